import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { grpcRaw } from '../../bench/runtime/grpc-client';
import { interleavedLoops } from '../../bench/runtime/load';
import { PROTOCOLS, protocolsNamed } from '../../bench/runtime/protocols';
import { restJson } from '../../bench/runtime/rest-json-client';
import { SweepPoint } from '../../bench/runtime/sweep-types';

jest.setTimeout(60_000);

/** The concurrency sweep's pieces: the REST JSON protocol client, the interleaved closed loops, the plot. */
describe('bench concurrency sweep', () => {
  let server: http.Server;
  let url: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        response.writeHead(request.url === '/v2/models/m/infer' ? 200 : 404).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const requests = [1, 2].map((v) => [{ name: 'input', datatype: 'FP32' as const, shape: [1, 2], data: Float32Array.of(v, v / 2) }]);

  it('the REST JSON client posts V2 bodies, cycling through the requests; interleaved loads count each one\'s answers, failures and server CPU', async () => {
    const client = await restJson.open({ url, model: 'm', restInferPath: '/v2/models/m/infer' }, requests, 2);
    const missing = await restJson.open({ url, model: 'x', restInferPath: '/v2/models/x/infer' }, requests, 2);
    try {
      await expect(client.infer(0)).resolves.toBe(true);
      await expect(client.infer(1)).resolves.toBe(true);
      expect(bodies.slice(-2).map((b) => JSON.parse(b))).toEqual([
        { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 0.5] }] },
        { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [2, 1] }] },
      ]);
      const [ok, failing] = await interleavedLoops([{ send: (n) => client.infer(n), serverPid: process.pid }, { send: (n) => missing.infer(n) }], 2, 0.4, 100);
      expect(ok).toMatchObject({ failures: 0, concurrency: 2 });
      expect(ok.requests).toBeGreaterThan(0);
      expect(ok.serverCpuMsPerRequest).toBeGreaterThan(0);
      expect(failing.requests).toBeGreaterThan(0);
      expect(failing.failures).toBe(failing.requests);
      expect(failing.serverCpuMsPerRequest).toBeUndefined();
    } finally {
      await client.close();
      await missing.close();
    }
  });

  it('protocols are looked up by name, unknown ones refused with the known list', () => {
    expect(protocolsNamed(undefined)).toBe(PROTOCOLS);
    expect(PROTOCOLS.map((p) => p.name)).toEqual(['rest-json', 'rest-binary', 'grpc', 'grpc-raw']);
    expect(protocolsNamed('rest-json')).toEqual([restJson]);
    expect(protocolsNamed('grpc-raw,rest-json')).toEqual([grpcRaw, restJson]);
    expect(() => protocolsNamed('carrier-pigeon')).toThrow('unknown protocol carrier-pigeon (known: rest-json');
  });

  it('renders the curves as an SVG with vega-lite and vega (built plot module, real ESM import)', async () => {
    const points: SweepPoint[] = [1, 2, 4].flatMap((concurrency) =>
      (['api', 'bare'] as const).map((s) => ({ model: 'tiny-mlp', protocol: 'rest-json', server: s, concurrency, requestsPerSecond: 100 * concurrency, p50: 1, p99: 2, failures: 0, serverCpuMsPerRequest: 0.5 })),
    );
    const plot = path.resolve(__dirname, '../../dist/bench/runtime/plot.js');
    const script = `require(${JSON.stringify(plot)}).sweepSvg(${JSON.stringify(points)}, 'test sweep').then((svg) => process.stdout.write(svg))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { maxBuffer: 10_000_000 });
    expect(stdout.startsWith('<svg')).toBe(true);
    for (const text of ['test sweep', 'tiny-mlp', 'throughput (req/s)', 'p99 latency (ms)', 'api · rest-json', 'bare · rest-json']) expect(stdout).toContain(text);
  });
});
