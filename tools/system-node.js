#!/usr/bin/env node
// Runs a script on the machine's own Node.js rather than the one the project brings: the first `node`
// on PATH outside this repository (npm scripts put node_modules/.bin first). The client SDK (libs/pqc)
// is tested this way on what API consumers run, Node >= 20 with the noble provider.
//
//   node tools/system-node.js <script.js> [args...]
// Without another Node on PATH it says so and exits 0; in CI (CI=true) that is a failure.
'use strict';
const { spawnSync } = require('node:child_process');
const { accessSync, constants, realpathSync } = require('node:fs');
const path = require('node:path');

const ROOT = realpathSync(path.resolve(__dirname, '..'));

function systemNode() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync(candidate);
      if (real === ROOT || real.startsWith(ROOT + path.sep)) continue;
      return real;
    } catch {
      // not here
    }
  }
  return undefined;
}

const [script, ...args] = process.argv.slice(2);
const node = systemNode();
if (!node) {
  const message = 'no Node.js on PATH besides the project\'s own';
  if (process.env.CI === 'true') {
    console.error(`[system-node] ${message}: the SDK tier on the system Node is required in CI`);
    process.exit(1);
  }
  console.warn(`[system-node] ${message}: skipped ${script}`);
  process.exit(0);
}
const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
console.log(`[system-node] ${script} on Node ${version} (${node})`);
const run = spawnSync(node, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
process.exit(run.status ?? 1);
