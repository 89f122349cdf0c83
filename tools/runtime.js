#!/usr/bin/env node
// The service runs on the Node.js that the project brings from the npm registry (optional dependency
// node-<os>-<arch>, linked as node_modules/.bin/node, which npm scripts put first on PATH), whatever
// Node runs npm itself. Native addons must be built for that Node: npm built them for its own, so this
// script (the root postinstall) rebuilds them against the bundled Node's headers when they do not load.
//
//   node tools/runtime.js          check, and rebuild what does not load (postinstall)
//   node tools/runtime.js --print  print the bundled runtime's path (nothing when there is none)
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** Addons with a compiled part, and a line that loads them for real. */
const ADDONS = [{ name: 'better-sqlite3', probe: "new (require('better-sqlite3'))(':memory:').close()" }];

function bundledRuntime() {
  const pkg = `node-${process.platform}-${process.arch}`;
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }));
    return { pkg, dir, bin: path.join(dir, 'bin', 'node') };
  } catch {
    return undefined;
  }
}

function loads(bin, addon) {
  return spawnSync(bin, ['-e', addon.probe], { cwd: ROOT, stdio: 'ignore' }).status === 0;
}

function main() {
  const runtime = bundledRuntime();
  if (process.argv.includes('--print')) {
    if (runtime) process.stdout.write(`${runtime.bin}\n`);
    return;
  }
  if (!runtime) {
    console.warn(
      `[runtime] no Node.js package for ${process.platform}-${process.arch} in this project: the service runs on Node ${process.versions.node}` +
        ' (the noble crypto provider, and no post-quantum TLS key exchange before Node 24.7)',
    );
    return;
  }
  const version = spawnSync(runtime.bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  for (const addon of ADDONS) {
    if (loads(runtime.bin, addon)) continue;
    console.log(`[runtime] building ${addon.name} for Node ${version} (${runtime.pkg}), from source against its headers`);
    const rebuilt = spawnSync('npm', ['rebuild', addon.name, '--foreground-scripts'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, npm_config_nodedir: runtime.dir, PATH: `${path.dirname(runtime.bin)}${path.delimiter}${process.env.PATH}` },
    });
    if (rebuilt.status !== 0 || !loads(runtime.bin, addon)) {
      console.error(`[runtime] ${addon.name} does not load in Node ${version} after a rebuild; see the build output above`);
      process.exit(1);
    }
  }
  console.log(`[runtime] the service runs on Node ${version} (${path.relative(ROOT, runtime.bin)}); native addons built for it`);
}

main();
