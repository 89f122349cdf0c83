// The handshake benchmark's HTTP baseline: a bare node:http server doing the same crypto as the
// service (respondToHello on one worker thread per core, the key expanded once per worker), with
// nothing else: no framework, no authentication, no replay check, no session storage, no metrics.
// Against the in-process ceiling it shows what HTTP alone costs on this machine, so the service's
// own overhead is the gap between it and this server.
//
//   node dist/bench/handshake/bare-server.js [--workers=N]    (prints "listening on <url>"; default one
//   worker per core; 0 runs the crypto on the event loop)
import { availableParallelism } from 'node:os';
import * as http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createHandshakeInfo, getSuite, parseBundle, parseClientHello, respondToHello, selectProvider, type SuiteId } from '@nf/pqc';
import { bundleFingerprint } from '@nf/pqc/bundle/canonical';
import { createBenchSetup, type BenchSetup } from '@nf/pqc/bench/operations';
import { benchArgs } from '../support';

const SUITE: SuiteId = 'X-Wing+ML-DSA-65';
const MAX_SKEW_MS = 600_000; // as the service is started for the benchmark: hellos are made before timing

interface Job {
  id: number;
  body: Uint8Array;
}
type Answer = { id: number; status: number; json: string };

/** The server side of one handshake: hello bytes in, status and JSON out. */
function responder(setup: BenchSetup): (job: Job) => Answer {
  const provider = selectProvider();
  const bundle = parseBundle(setup.bundles[SUITE], provider);
  const bundleSha256 = bundleFingerprint(bundle);
  const decapsulationKey = getSuite(SUITE, provider).kem.decapsulationKey(setup.kemSeeds[SUITE]);
  const decoder = new TextDecoder();
  return ({ id, body }) => {
    try {
      const hello = parseClientHello(JSON.parse(decoder.decode(body)), provider);
      const { response } = respondToHello({ hello, bundle, bundleSha256, decapsulationKey, now: Date.now(), maxSkewMs: MAX_SKEW_MS, provider });
      return { id, status: 200, json: JSON.stringify(response) };
    } catch (error) {
      return { id, status: 400, json: JSON.stringify({ message: (error as Error).message }) };
    }
  };
}

function worker(setup: BenchSetup): void {
  const respond = responder(setup);
  parentPort!.on('message', (job: Job) => parentPort!.postMessage(respond(job)));
}

function main(): void {
  const setup = createBenchSetup(1);
  const info = JSON.stringify(createHandshakeInfo(parseBundle(setup.bundles[SUITE])));
  const count = Number(benchArgs().workers ?? availableParallelism());
  const workers = Array.from({ length: count }, () => new Worker(__filename, { workerData: setup }));
  const waiting = new Map<number, http.ServerResponse>();
  const answer = ({ id, status, json }: Answer) => {
    const res = waiting.get(id)!;
    waiting.delete(id);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
  };
  for (const w of workers) w.on('message', answer);
  const inline = count === 0 ? responder(setup) : undefined;
  let nextId = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(info);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = nextId++;
      waiting.set(id, res);
      const body = Buffer.concat(chunks);
      if (inline) answer(inline({ id, body }));
      else workers[id % workers.length].postMessage({ id, body } satisfies Job);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    console.log(`listening on http://127.0.0.1:${address.port} `);
  });
}

if (isMainThread) {
  // Exit normally on SIGTERM, so a CPU profile (NF_BENCH_CPU_PROF) is written.
  process.on('SIGTERM', () => process.exit(0));
  main();
}
else worker(workerData as BenchSetup);
