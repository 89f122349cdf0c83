#!/usr/bin/env node
// The service runs on the Node.js the project brings from the npm registry (optional dependency
// node-<os>-<arch>, linked as node_modules/.bin/node, which npm scripts put first on PATH), whatever
// Node runs npm itself. Its native addons ship N-API prebuilds, so they load in any Node; this check
// (the root postinstall) proves it for the bundled one at install time rather than at first start.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** Addons with a compiled part, and a line that loads them for real. */
const ADDONS = [
  { name: 'better-sqlite3', probe: "new (require('better-sqlite3'))(':memory:').close()" },
  { name: 'onnxruntime-node', probe: "require('onnxruntime-node')" },
];

function bundledRuntime() {
  const pkg = `node-${process.platform}-${process.arch}`;
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }));
    return { pkg, bin: path.join(dir, 'bin', 'node') };
  } catch {
    return undefined;
  }
}

const runtime = bundledRuntime();
if (!runtime) {
  console.warn(
    `[runtime] no Node.js package for ${process.platform}-${process.arch} in this project: the service runs on Node ${process.versions.node}` +
      ' (the noble crypto provider, and no post-quantum TLS key exchange before Node 24.7)',
  );
  process.exit(0);
}
const version = spawnSync(runtime.bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
for (const addon of ADDONS) {
  const probe = spawnSync(runtime.bin, ['-e', addon.probe], { cwd: ROOT, encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`[runtime] ${addon.name} does not load in Node ${version} (${runtime.pkg}):\n${probe.stderr}`);
    process.exit(1);
  }
}
console.log(`[runtime] the service runs on Node ${version} (${path.relative(ROOT, runtime.bin)}); ${ADDONS.map((a) => a.name).join(' and ')} load in it`);
