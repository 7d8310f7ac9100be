#!/usr/bin/env node
// Builds build/Release/aesni.node with node-gyp against the LOCAL Node headers (no download).
//
// Why here and not an npm `install` script: it runs in `npm run build` / `turbo run build`, so
// editing src/addon.c rebuilds it, and it does not depend on npm's install-script policy.
// package.json sets "gypfile": false so npm does not run its implicit `node-gyp rebuild` at
// install time (which, without a nodedir, tries to download headers and fails offline).
//
// Usage: node scripts/build-native.mjs [--force]
//   Skips when the .node file is newer than binding.gyp, src/addon.c and this script (N-API is
//   ABI-stable, so a Node upgrade needs no rebuild). Not Linux: prints a note and exits 0 (the
//   TypeScript layer reports "unsupported"). On Linux a failed build fails the script.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(pkg, 'build', 'Release', 'aesni.node');

if (process.platform !== 'linux') {
  console.log(`@kcptunb/aesni: native addon is Linux-only; skipped on ${process.platform}`);
  process.exit(0);
}

const inputs = ['binding.gyp', 'src/addon.c', 'src/aesCfb.c', 'src/aesCfb.h', 'src/keySchedule.c', 'scripts/build-native.mjs'].map((f) => join(pkg, f));
if (!process.argv.includes('--force') && existsSync(out)) {
  const built = statSync(out).mtimeMs;
  if (inputs.every((f) => statSync(f).mtimeMs <= built)) {
    console.log('@kcptunb/aesni: native addon up to date');
    process.exit(0);
  }
}

// node-gyp: the one npm passes to scripts, else the one bundled with npm next to this node.
const gypCandidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
// Headers: an explicit npm nodedir, else <prefix>/include/node of the running node (Debian and
// nodesource put them at /usr/include/node; official tarballs at <prefix>/include/node).
const hasHeaders = (dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h'));
const nodedir = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].find(hasHeaders);

const args = ['rebuild'];
if (nodedir) args.push(`--nodedir=${nodedir}`);
else console.warn('@kcptunb/aesni: no local Node headers found; node-gyp will try to download them');
const [cmd, cmdArgs] = gypCandidates.length > 0 ? [process.execPath, [gypCandidates[0], ...args]] : ['node-gyp', args];
console.log(`@kcptunb/aesni: ${[cmd, ...cmdArgs].join(' ')}`);
const r = spawnSync(cmd, cmdArgs, { cwd: pkg, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, npm_config_loglevel: 'warn' } });
if (r.error) {
  console.error(`@kcptunb/aesni: cannot run node-gyp: ${r.error.message}`);
  process.exit(1);
}
if (r.status !== 0) {
  console.error(`@kcptunb/aesni: node-gyp failed (exit ${r.status}); needs python3, make and a C compiler`);
  process.exit(r.status ?? 1);
}
if (!existsSync(out)) {
  console.error(`@kcptunb/aesni: node-gyp succeeded but ${out} is missing`);
  process.exit(1);
}
