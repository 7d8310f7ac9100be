#!/usr/bin/env node
// `npm run build` of an addon package (cwd = the package): builds build/Release/*.node with
// node-gyp against the local Node headers when a C toolchain is there, so editing the C source
// rebuilds it. Without a toolchain (or headers) it prints one line and succeeds: the runtime then
// loads the committed prebuilds/<platform>-<arch>/ binary, or falls back to pure code.
//
// Not an npm `install` script (install-script policies, no network at install time); the package
// sets "gypfile": false so npm does not run its implicit `node-gyp rebuild` either.
//
// Usage: node ../native/scripts/build-addon.mjs [--force]
//   Skips when every build/Release/<target>.node is newer than binding.gyp, src/* and this
//   script. A failed compile with a toolchain present fails the build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gypTargets, hostPrebuild, missingTools, nodeGypScript, nodeHeadersDir } from './toolchain.mjs';

const pkg = process.cwd();
const name = basename(pkg);
const say = (line) => console.log(`addon ${name}: ${line}`);

if (process.platform !== 'linux') {
  say(`Linux-only; skipped on ${process.platform}`);
  process.exit(0);
}

const outputs = gypTargets(pkg).map((t) => join(pkg, 'build', 'Release', `${t}.node`));
const prebuiltDir = join(pkg, 'prebuilds', hostPrebuild);
const prebuilt = existsSync(prebuiltDir) ? readdirSync(prebuiltDir).filter((f) => f.endsWith('.node')) : [];
const withoutCompiler = (why) => {
  if (prebuilt.length > 0) say(`${why}; the runtime loads the committed prebuilds/${hostPrebuild}/${prebuilt.join(', ')}`);
  else say(`${why}, and there is no prebuilt for ${hostPrebuild}: the runtime falls back to pure code`);
  process.exit(0);
};

const missing = missingTools();
if (missing.length > 0) withoutCompiler(`not compiled (no ${missing.join(', ')} on PATH)`);
const nodedir = nodeHeadersDir();
if (!nodedir) withoutCompiler('not compiled (no local Node headers: include/node/node_api.h)');
const gyp = nodeGypScript();
if (!gyp) withoutCompiler("not compiled (npm's node-gyp not found)");

const srcDir = join(pkg, 'src');
const inputs = [join(pkg, 'binding.gyp'), fileURLToPath(import.meta.url), ...readdirSync(srcDir).filter((f) => /\.(c|cc|cpp|h)$/.test(f)).map((f) => join(srcDir, f))];
if (!process.argv.includes('--force') && outputs.every((o) => existsSync(o))) {
  const built = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  if (inputs.every((f) => statSync(f).mtimeMs <= built)) {
    say('up to date');
    process.exit(0);
  }
}

const args = [gyp, 'rebuild', `--nodedir=${nodedir}`];
say(`node ${args.join(' ')}`);
const r = spawnSync(process.execPath, args, { cwd: pkg, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, npm_config_loglevel: 'warn' } });
if (r.error || r.status !== 0) {
  console.error(`addon ${name}: node-gyp failed (${r.error?.message ?? `exit ${r.status}`})`);
  process.exit(r.status || 1);
}
for (const o of outputs) {
  if (!existsSync(o)) {
    console.error(`addon ${name}: node-gyp succeeded but ${o} is missing`);
    process.exit(1);
  }
}
