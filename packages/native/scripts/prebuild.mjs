#!/usr/bin/env node
// Builds the committed prebuilt addons: prebuilds/<platform>-<arch>/*.node in every package
// with a binding.gyp (prebuildify --napi --strip, N-API so one binary serves every Node ≥ 20).
// linux-x64 with the host compiler; linux-arm64 with Debian's aarch64-linux-gnu-gcc when
// installed. Each build runs in a temp copy of the package, so a developer build in
// build/Release is never replaced by a foreign-arch one.
//
// Usage (from anywhere): node packages/native/scripts/prebuild.mjs [--check] [package dir…]
//   --check: rebuild and fail if a binary differs from the committed one (CI); with CI=true a
//   committed arch whose compiler is missing fails too.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { which, nodeGypScript, nodeHeadersDir } from './toolchain.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const check = process.argv.includes('--check');
const named = process.argv.slice(2).filter((a) => !a.startsWith('--')).map((p) => resolve(p));
const packages = named.length > 0 ? named : readdirSync(join(repo, 'packages')).map((d) => join(repo, 'packages', d)).filter((d) => existsSync(join(d, 'binding.gyp')));

/** The targets we can build here: the host's, and arm64 through the Debian cross compiler. */
const arches = [
  { arch: 'x64', cc: 'cc', cxx: 'c++', strip: 'strip' },
  { arch: 'arm64', cc: 'aarch64-linux-gnu-gcc', cxx: which('aarch64-linux-gnu-g++') ? 'aarch64-linux-gnu-g++' : 'aarch64-linux-gnu-gcc', strip: 'aarch64-linux-gnu-strip' },
];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`prebuild: runs on linux-x64 hosts only (this is ${process.platform}-${process.arch})`);
  process.exit(1);
}
const gyp = nodeGypScript();
const nodedir = nodeHeadersDir();
const prebuildify = join(repo, 'node_modules', 'prebuildify', 'bin.js');
for (const [what, ok] of [['npm\'s node-gyp', gyp], ['local Node headers', nodedir], ['prebuildify (npm ci)', existsSync(prebuildify)]]) {
  if (!ok) {
    console.error(`prebuild: ${what} not found`);
    process.exit(1);
  }
}

const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
let failed = false;
for (const pkg of packages) {
  const name = basename(pkg);
  for (const { arch, cc, cxx, strip } of arches) {
    const folder = `linux-${arch}`;
    const committed = join(pkg, 'prebuilds', folder);
    const missing = [cc, cxx, strip, 'make', 'python3'].filter((t) => !which(t));
    if (missing.length > 0) {
      const line = `prebuild ${name} ${folder}: skipped (no ${missing.join(', ')})`;
      if (check && existsSync(committed) && process.env.CI === 'true') {
        console.error(`${line}: cannot check the committed binary`);
        failed = true;
      } else console.log(line);
      continue;
    }
    const work = mkdtempSync(join(tmpdir(), `prebuild-${name}-`));
    try {
      for (const f of ['binding.gyp', 'package.json']) copyFileSync(join(pkg, f), join(work, f));
      cpSync(join(pkg, 'src'), join(work, 'src'), { recursive: true });
      const args = [prebuildify, '--napi', '--strip', '--strip-bin', strip, '--arch', arch, '--target', `node@${process.versions.node}`];
      const r = spawnSync(process.execPath, args, {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, CC: cc, CXX: cxx, PREBUILD_NODE_GYP: gyp, npm_config_nodedir: nodedir, npm_config_loglevel: 'warn' },
      });
      if (r.status !== 0) {
        console.error(`prebuild ${name} ${folder}: prebuildify failed (exit ${r.status})\n${r.stdout}${r.stderr}`);
        failed = true;
        continue;
      }
      const built = join(work, 'prebuilds', folder);
      if (!check) {
        rmSync(committed, { recursive: true, force: true });
        mkdirSync(committed, { recursive: true });
      }
      for (const file of readdirSync(built)) {
        const fresh = join(built, file);
        const mine = join(committed, file);
        if (check) {
          const same = existsSync(mine) && sha(mine) === sha(fresh);
          console.log(`prebuild ${name} ${folder}/${file}: ${same ? 'matches the committed binary' : 'DIFFERS from the committed binary'} (${sha(fresh)})`);
          if (!same) failed = true;
        } else {
          copyFileSync(fresh, mine);
          console.log(`prebuild ${name} ${folder}/${file}: ${sha(fresh)}`);
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}
process.exit(failed ? 1 : 0);
