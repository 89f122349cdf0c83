// KServe V2 over gRPC for the runtime benchmarks: ModelInfer on one HTTP/2 channel (grpc-js, the .proto
// the service ships; HTTP/2 multiplexes every caller's calls), as the protocols `grpc` (typed
// contents) and `grpc-raw` (raw_input_contents / raw_output_contents). Requests are serialised once,
// before timing starts, and replies are not decoded, as the REST clients send pre-serialised bodies
// and do not parse replies: both measure the server. The servers' gRPC listeners are plaintext in
// the benchmarks (startApi turns TLS off), as the REST figures are the plain listener's.
import { credentials, Metadata } from '@grpc/grpc-js';
import { inferenceServiceConstructor } from '../../apps/api/src/grpc/grpc-listener';
import { BenchInput, Protocol, ProtocolClient } from './protocol-client';

/**
 * A ModelInfer client with every request serialised now: `infer(n)` sends request n (cycling) and
 * resolves to whether it succeeded. `headers` become call metadata (an API key as `authorization`);
 * `ca` makes it TLS (the service's gRPC listener speaks TLS while its https listener is on).
 */
export async function openGrpc(
  address: string,
  model: string,
  requests: BenchInput[][],
  options: { raw?: boolean; ca?: Buffer; headers?: Record<string, string> } = {},
): Promise<ProtocolClient> {
  const Client = inferenceServiceConstructor();
  const client = new Client(address, options.ca ? credentials.createSsl(options.ca) : credentials.createInsecure());
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.headers ?? {})) metadata.set(key.toLowerCase(), value);
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 30_000, (error) => (error ? reject(error) : resolve())));
  const { path: method, requestSerialize } = Client.service.ModelInfer;
  const encoded: Buffer[] = requests.map((inputs) =>
    requestSerialize({
      model_name: model,
      inputs: inputs.map(({ name, datatype, shape, data }) => ({ name, datatype, shape, ...(options.raw ? {} : { contents: { fp32_contents: Array.from(data) } }) })),
      raw_input_contents: options.raw ? inputs.map(({ data }) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)) : [],
    }),
  );
  return {
    infer: (n) =>
      new Promise<boolean>((resolve) => {
        const body = encoded[n % encoded.length];
        client.makeUnaryRequest(method, () => body, (reply: Buffer) => reply, {}, metadata, {}, (error) => resolve(!error));
      }),
    close: async () => client.close(),
  };
}

const grpcProtocol = (name: string, raw: boolean): Protocol => ({
  name,
  bare: false,
  open: (target, requests) => {
    if (!target.grpcAddress) throw new Error(`${name}: this server has no gRPC listener`);
    return openGrpc(target.grpcAddress, target.model, requests, { raw, headers: target.headers });
  },
});

export const grpcTyped = grpcProtocol('grpc', false);
export const grpcRaw = grpcProtocol('grpc-raw', true);
