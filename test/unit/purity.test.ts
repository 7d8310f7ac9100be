/**
 * The protocol cores are sans-I/O: no sockets, no timers, no clock reads.
 * (The shells — dataplane, control, ring — own those.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/vectors.js';

const CORES = ['collections', 'crypt', 'fec', 'kcp', 'smux', 'snappy', 'session', 'snmp'];
const FORBIDDEN = /\b(Date\.now|new Date\(|performance\.now|process\.hrtime|setTimeout|setInterval|setImmediate|queueMicrotask)\b|from 'node:(dgram|net|http|tls|timers|worker_threads|perf_hooks)'/;

test('pure cores never touch sockets, timers or the clock', () => {
  let files = 0;
  for (const pkg of CORES) {
    const dir = join(REPO_ROOT, 'packages', pkg, 'src');
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ts')) continue;
      files++;
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.trim().startsWith('//') || line.trim().startsWith('*')) return;
          assert.doesNotMatch(line, FORBIDDEN, `${pkg}/src/${name}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  assert.ok(files > 30, `scanned ${files} files`);
});
