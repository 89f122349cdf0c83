// Summarises a V8 CPU profile (`node --cpu-prof`, or a benchmark run with NF_BENCH_CPU_PROF=<dir>):
// self time by function and by where the code lives (the project, a package, Node's internals, GC,
// idle), as a share of the samples taken while the process was busy.
//
// `--from` / `--to` (ms since the profile started) keep one phase, e.g. the load after start-up; the
// busy share per second, printed first, shows where the phases are.
//
//   node dist/bench/profile.js <file.cpuprofile> [--top=40] [--match=<substring of a function or file>] [--from=ms] [--to=ms]
import { readFileSync } from 'node:fs';
import { benchArgs } from './support';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, ...rest] = process.argv.slice(2);
const args = benchArgs(rest);
if (!file) {
  console.error('usage: node dist/bench/profile.js <file.cpuprofile> [--top=40] [--match=text]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a frame's code lives: a package name, `node:<module>`, `project`, or V8's own pseudo-frames. */
function place(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?([^/]+).*/, 'node:$2');
  return 'project';
}
const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules\/|dist\/)/, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

const isIdle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';
const from = Number(args.from ?? 0) * 1000;
const to = Number(args.to ?? Infinity) * 1000;
const selfUs = new Map<number, number>();
const busyPerSecond: number[] = [];
let at = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  const second = Math.floor(at / 1e6);
  busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (isIdle(id) ? 0 : delta);
  if (at >= from && at < to) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
console.log(`busy share per second: ${Array.from(busyPerSecond, (us, s) => `${s}s ${Math.round((us ?? 0) / 1e4)}%`).join(', ')}`);
let idle = 0;
let busy = 0;
const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
const inclusive = new Map<string, number>();
const match = args.match as string | undefined;
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  if (isIdle(id)) {
    idle += us;
    continue;
  }
  busy += us;
  byFunction.set(label(n), (byFunction.get(label(n)) ?? 0) + us);
  const where = place(n.callFrame.url, n.callFrame.functionName);
  byPlace.set(where, (byPlace.get(where) ?? 0) + us);
  if (match) {
    // Time spent under (inclusive of) each frame whose name or file contains the text, counted once per sample stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      const l = label(frame);
      if (!seen.has(l) && l.includes(match)) inclusive.set(l, (inclusive.get(l) ?? 0) + us);
      seen.add(l);
    }
  }
}

const top = Number(args.top ?? 40);
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const table = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(`${file}: busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (main thread only)`);
table('self time by place', byPlace, 25);
table('self time by function', byFunction, top);
if (match) table(`inclusive time of frames matching "${match}"`, inclusive, top);
