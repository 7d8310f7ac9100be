#!/usr/bin/env node
// Runs every compiled test file under test/dist with node's test runner.
// Usage: node test/run.mjs [substring filter...] — a filter matches the path below test/dist
// (e.g. `e2e/`, `interop/tunnel`), never the checkout's own location.
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), 'dist');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => relative(root, p).includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error('test/run.mjs: no test files found under', root);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
