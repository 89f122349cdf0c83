// Thin entry for the server-side handshake crypto benchmark; the logic lives in
// libs/pqc/src/bench/ceiling.ts (worker threads need its compiled .js next to it).
// Writes bench/results/handshake-crypto.json relative to the working directory.
import { main } from '@nf/pqc/bench/ceiling';

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
