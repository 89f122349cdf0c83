// KServe V2 REST with the binary tensor data extension: each FP32 input travels as raw little-endian
// bytes after the JSON header (Inference-Header-Content-Length, parameters.binary_data_size), and the
// outputs are asked back as raw bytes (parameters.binary_data_output). One keep-alive agent; bodies
// are encoded before timing starts.
//
// `restBinary` is the sweep's Protocol (protocol-client.ts); `measureBinary` runs it alone as a closed loop.
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { MLP_MODELS, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { percentile } from '../support';
import { BenchInput, Protocol } from './protocol-client';

/** A binary-extension request body: the JSON header, then each input's bytes in order. */
export function binaryRequestBody(inputs: BenchInput[]): { body: Buffer; headerLength: number } {
  const header = Buffer.from(JSON.stringify({
    inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: t.data.byteLength } })),
    parameters: { binary_data_output: true },
  }));
  const tensors = inputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { body: Buffer.concat([header, ...tensors]), headerLength: header.byteLength };
}

/** POSTs one body; resolves with the status once the reply has been read (a binary reply needs its header). */
function post(agent: http.Agent, url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.byteLength) } }, (res) => {
      const ok = res.statusCode === 200 && res.headers['inference-header-content-length'] !== undefined;
      res.resume();
      res.on('end', () => resolve(ok ? 200 : (res.statusCode ?? 0)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const restBinary: Protocol = {
  name: 'rest-binary',
  bare: false,
  async open(target, requests, concurrency) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const url = `${target.url}${target.restInferPath}`;
    const bodies = requests.map((inputs) => {
      const { body, headerLength } = binaryRequestBody(inputs);
      return { body, headers: { ...target.headers, 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) } };
    });
    return {
      infer: async (n) => {
        const { body, headers } = bodies[n % bodies.length];
        return (await post(agent, url, body, headers)) === 200;
      },
      close: async () => agent.destroy(),
    };
  },
};

/**
 * Closed-loop load over the binary extension on one of the generated MLP models (1 × its input
 * width, FP32): `concurrency` callers for `seconds` after one second of warm-up.
 */
export async function measureBinary(baseUrl: string, apiKey: string | undefined, model: string, concurrency: number, seconds: number) {
  const definition = MLP_MODELS.find((m) => m.name === model);
  if (!definition) throw new Error(`measureBinary: ${model} is not one of the generated MLP models`);
  const features = definition.sizes[0];
  const requests = Array.from({ length: 64 }, (_, i) => [{ name: 'input', datatype: 'FP32' as const, shape: [1, features], data: sampleInput(features, 1, i + 1) }]);
  const client = await restBinary.open({ url: baseUrl, model, restInferPath: `/v2/models/${model}/infer`, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} }, requests, concurrency);
  let sent = 0;
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warm) await client.infer(sent++);
  }));
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      if (!(await client.infer(sent++))) failures++;
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await client.close();
  latencies.sort((a, b) => a - b);
  const ms = (v: number) => +v.toFixed(2);
  return {
    protocol: restBinary.name,
    model,
    concurrency,
    requests: latencies.length,
    failures,
    requestsPerSecond: Math.round(latencies.length / elapsed),
    latencyMs: { p50: ms(percentile(latencies, 50)), p99: ms(percentile(latencies, 99)) },
  };
}
