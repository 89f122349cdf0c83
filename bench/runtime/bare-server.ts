// The benchmark's baseline: a bare node:http server running one ONNX model with onnxruntime-node,
// speaking the same V2 JSON (no framework, no auth, no validation beyond what it must parse).
//
//   node dist/bench/runtime/bare-server.js <model.onnx>     (prints "listening on <url>")
import * as http from 'node:http';
import * as ort from 'onnxruntime-node';

async function main(): Promise<void> {
  const session = await ort.InferenceSession.create(process.argv[2], { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const input = body.inputs[0];
        const feeds = { [input.name]: new ort.Tensor('float32', Float32Array.from(input.data.flat()), input.shape) };
        const results = await session.run(feeds);
        const outputs = Object.entries(results).map(([name, t]) => ({ name, datatype: 'FP32', shape: t.dims, data: Array.from(t.data as Float32Array) }));
        const json = JSON.stringify({ model_name: 'bare', model_version: '1', id: body.id, outputs });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
      } catch (error) {
        res.writeHead(400).end(JSON.stringify({ error: (error as Error).message }));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    console.log(`listening on http://127.0.0.1:${address.port} `);
  });
}

// Exit normally on SIGTERM, so a CPU profile (NF_BENCH_CPU_PROF) is written.
process.on('SIGTERM', () => process.exit(0));
void main();
