// Runs a benchmark with a wall-clock limit: `node dist/bench/limit.js <seconds> <script.js> [args...]`.
// The limit is enforced from outside, by this process: a benchmark whose own thread is stuck (a
// deadlock inside a native call) cannot run a timer of its own. The benchmark runs in its own
// process group, so the servers it started are killed with it. NF_BENCH_TIME_LIMIT_SECONDS overrides.
import { spawn } from 'node:child_process';

const [limitArg, script, ...args] = process.argv.slice(2);
const limitSeconds = Number(process.env.NF_BENCH_TIME_LIMIT_SECONDS ?? limitArg);
if (!script || !(limitSeconds > 0)) {
  console.error('usage: node dist/bench/limit.js <seconds> <script.js> [args...]');
  process.exit(2);
}

const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit', detached: true });
const killGroup = (signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is already gone
  }
};
const timer = setTimeout(() => {
  console.error(`benchmark ${script} ran past its limit of ${limitSeconds} s: killed (a stuck thread, or raise NF_BENCH_TIME_LIMIT_SECONDS)`);
  killGroup('SIGKILL');
  process.exitCode = 124;
}, limitSeconds * 1000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => killGroup(signal));
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  killGroup('SIGKILL'); // anything the benchmark left running
  if (process.exitCode === undefined) process.exitCode = code ?? (signal ? 1 : 0);
});
