// PQ-TLS benchmark: full TLS 1.3 handshakes/s against the service's https listener, with the
// post-quantum key exchange (X25519MLKEM768) and the classical one (X25519), and with the ML-DSA-65
// certificate (a fully post-quantum handshake) beside the ECDSA one browsers get. No session
// resumption: every connection is a full handshake. Client and server share the machine's cores, so
// the figures are the cost of both ends together.
//
// Called by run.ts; alone (`npm run build:api && node dist/bench/handshake/tls.js [--seconds=5 --concurrency=32]`)
// it adds its figures to bench/results/handshake.json and keeps everything else there.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { benchArgs, measuredOn, percentile, ROOT, startService } from '../support';

export interface TlsHandshakeRun {
  group: string;
  /** The certificate the server presented: what the client's signature algorithms asked for. */
  certificate: 'ecdsa-p256' | 'ml-dsa-65';
  handshakes: number;
  failures: number;
  handshakesPerSecond: number;
  latencyMs: { p50: number; p99: number };
}

const SIGALGS = { 'ecdsa-p256': 'ecdsa_secp256r1_sha256', 'ml-dsa-65': 'mldsa65' } as const;

function oneHandshake(url: URL, ca: Buffer, group: string, certificate: TlsHandshakeRun['certificate']): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), servername: 'localhost', ca, ecdhCurve: group, sigalgs: SIGALGS[certificate] }, () => {
      const negotiated = (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name;
      const keyType = socket.getPeerX509Certificate()?.publicKey.asymmetricKeyType;
      socket.destroy();
      resolve(negotiated === group && keyType === (certificate === 'ml-dsa-65' ? 'ml-dsa-65' : 'ec'));
    });
    socket.on('error', () => resolve(false));
  });
}

/** Full handshakes for `seconds` with `concurrency` connections in flight, each checked for the group and certificate asked for. */
export async function measureTlsHandshakes(
  httpsUrl: string,
  ca: Buffer,
  run: { group: string; certificate: TlsHandshakeRun['certificate']; seconds: number; concurrency: number },
): Promise<TlsHandshakeRun> {
  const url = new URL(httpsUrl);
  await Promise.all(Array.from({ length: run.concurrency }, () => oneHandshake(url, ca, run.group, run.certificate))); // warm-up
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const until = started + run.seconds * 1000;
  await Promise.all(
    Array.from({ length: run.concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        if (await oneHandshake(url, ca, run.group, run.certificate)) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    group: run.group,
    certificate: run.certificate,
    handshakes: latencies.length,
    failures,
    handshakesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
  };
}

/**
 * Starts the service with classical key exchange allowed (so the X25519 run is served at all; a client
 * offering X25519MLKEM768 still gets it) and measures the three handshakes.
 */
export async function runTlsBench(options: { seconds: number; concurrency: number }) {
  const server = await startService({ TLS_ALLOW_CLASSICAL_KEY_EXCHANGE: 'true', MODEL_LOAD_AT_STARTUP: 'none' }, true);
  try {
    const ca = readFileSync(path.join(server.dir, 'tls', 'dev-trust.pem'));
    const measure = (group: string, certificate: TlsHandshakeRun['certificate']) => measureTlsHandshakes(server.httpsUrl!, ca, { group, certificate, ...options });
    const pq = await measure('X25519MLKEM768', 'ecdsa-p256');
    const classical = await measure('X25519', 'ecdsa-p256');
    const fullyPq = await measure('X25519MLKEM768', 'ml-dsa-65');
    return {
      note: 'full TLS 1.3 handshakes (no resumption) against the https listener; client and server share the same cores',
      seconds: options.seconds,
      concurrency: options.concurrency,
      x25519mlkem768_ecdsa: pq,
      x25519_ecdsa: classical,
      x25519mlkem768_mldsa65: fullyPq,
      /** Post-quantum key exchange relative to classical (1 = free). */
      ratio_pq_over_classical: +(pq.handshakesPerSecond / classical.handshakesPerSecond).toFixed(3),
      /** The fully post-quantum handshake (ML-DSA-65 certificate) relative to the ECDSA one, both with X25519MLKEM768. */
      ratio_mldsa_over_ecdsa: +(fullyPq.handshakesPerSecond / pq.handshakesPerSecond).toFixed(3),
    };
  } finally {
    server.child.kill('SIGTERM');
  }
}

export type TlsBenchResult = Awaited<ReturnType<typeof runTlsBench>>;

export function describeTls(result: TlsBenchResult): string[] {
  const line = (name: string, r: TlsHandshakeRun) =>
    `TLS ${name}: ${r.handshakesPerSecond} handshakes/s (p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.failures} failures)`;
  return [
    line('X25519MLKEM768 + ECDSA', result.x25519mlkem768_ecdsa),
    line('X25519 + ECDSA', result.x25519_ecdsa),
    line('X25519MLKEM768 + ML-DSA-65', result.x25519mlkem768_mldsa65),
    `PQ/classical key exchange = ${result.ratio_pq_over_classical}; ML-DSA-65/ECDSA certificate = ${result.ratio_mldsa_over_ecdsa}`,
  ];
}

if (require.main === module) {
  const args = benchArgs();
  const OUT = path.join(ROOT, 'bench', 'results', 'handshake.json');
  runTlsBench({ seconds: Number(args.seconds ?? 5), concurrency: Number(args.concurrency ?? 32) })
    .then((result) => {
      // Alone it measures only TLS: the app-layer comparison (ratio_app_handshake_over_tls) needs both from one run (npm run bench:handshake).
      const previous = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : {};
      const merged = { ...previous, tls: { ...result, ...measuredOn() } };
      writeFileSync(OUT, `${JSON.stringify(merged, null, 2)}\n`);
      for (const line of describeTls(result)) console.log(line);
      console.log(`written to ${path.relative(ROOT, OUT)}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
