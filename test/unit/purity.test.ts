/**
 * The protocol cores are sans-I/O: no sockets, files, processes, threads or
 * timers, no clock reads. (The shells — dataplane, control, ring — own those.)
 * Checked on the import graph of each core: every source file under src/
 * (subfolders too), following relative imports wherever they lead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { importGraph } from '../support/importGraph.js';
import { REPO_ROOT } from '../support/vectors.js';

const CORES = ['collections', 'crypt', 'fec', 'kcp', 'smux', 'snappy', 'session', 'snmp'];

/** Node modules that do I/O, run code elsewhere, or keep time; with or without `node:`, and their subpaths. */
const IO_MODULES = new Set(['async_hooks', 'child_process', 'cluster', 'dgram', 'diagnostics_channel', 'dns', 'fs', 'http', 'http2', 'https', 'inspector', 'module', 'net', 'os', 'perf_hooks', 'process', 'readline', 'repl', 'stream', 'timers', 'tls', 'trace_events', 'tty', 'v8', 'vm', 'wasi', 'worker_threads']);
/** Workspace packages that are shells, not cores. */
const SHELLS = new Set(['@kcptunb/dataplane', '@kcptunb/control', '@kcptunb/ring', '@kcptunb/sockopt']);
const CLOCK_AND_TIMERS = /\b(Date\.now|new Date\b|performance\.now|process\.hrtime|setTimeout|setInterval|setImmediate|queueMicrotask)\b/g;

function badImport(spec: string): boolean {
  if (spec.startsWith('.')) return false;
  const bare = spec.replace(/^node:/, '');
  if (IO_MODULES.has(bare.split('/')[0]!)) return true;
  return SHELLS.has(bare.split('/').slice(0, 2).join('/'));
}

/** Every violation in the graph rooted at `src`, as "file:line: what". */
function violations(src: string): string[] {
  const { files, unresolved } = importGraph(src);
  const out = unresolved.map((u) => `${u} (unresolved relative import)`);
  for (const f of files) {
    const name = relative(src, f.path);
    for (const spec of f.imports) if (badImport(spec)) out.push(`${name}: imports '${spec}'`);
    f.code.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(CLOCK_AND_TIMERS)) out.push(`${name}:${i + 1}: uses ${m[1]}`);
    });
  }
  return out;
}

test('pure cores never touch sockets, files, timers or the clock (import graph of every file)', () => {
  let files = 0;
  for (const pkg of CORES) {
    const src = join(REPO_ROOT, 'packages', pkg, 'src');
    files += importGraph(src).files.length;
    assert.deepEqual(violations(src), [], `packages/${pkg}/src`);
  }
  assert.ok(files > 30, `scanned ${files} files`);
});

/**
 * The sans-I/O shells: the session logic of the data plane and the control thread and their
 * scheduler. They live in shell packages (which also hold the I/O edges), so each file is checked
 * on its own: no I/O or timer module, no clock read, and relative imports only of type-only or
 * equally pure files.
 */
const PURE_SHELLS = [
  'packages/dataplane/src/shardSession.ts',
  'packages/control/src/runtime/sessionLink.ts',
  'packages/control/src/runtime/streamRelay.ts',
  'packages/scheduler/src/runQueue.ts',
  'packages/scheduler/src/wakeupAudit.ts',
];

test('the sans-I/O shells (shard session, smux link, stream relay, run queue, wake-up audit) take time as an argument and own no I/O', () => {
  for (const path of PURE_SHELLS) {
    const dir = join(REPO_ROOT, path, '..');
    const file = importGraph(dir).files.find((f) => f.path === join(REPO_ROOT, path));
    assert.ok(file, `${path} found`);
    const found: string[] = [];
    for (const spec of file.imports) if (badImport(spec) && !spec.startsWith('@kcptunb/')) found.push(`imports '${spec}'`);
    file.code.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(CLOCK_AND_TIMERS)) found.push(`${i + 1}: uses ${m[1]}`);
    });
    assert.deepEqual(found, [], path);
  }
});

test('the purity check catches bare and node: I/O imports, subpaths, subfolders, re-exports and clock use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcptunb-purity-'));
  try {
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
    const write = (p: string, s: string) => writeFileSync(join(dir, p), s);
    write('index.ts', "export * from './deep/a.js';\nimport { x } from './deep/er/b.js';\n// import 'dgram' in a comment is fine\n/* setTimeout in a comment is fine */\nexport const y = x;\n");
    write('deep/a.ts', "import dgram from 'dgram';\nimport * as net from 'net';\nexport const a = [dgram, net];\n");
    write('deep/er/b.ts', "import { readFileSync } from 'node:fs';\nimport { setTimeout as wait } from 'timers/promises';\nexport { spawn } from 'child_process';\nexport const x = () => Date.now() + performance.now();\n");
    write('deep/er/c.ts', "const w = await import('node:worker_threads');\nconst t = setInterval(() => {}, 1);\nsetImmediate(() => {});\nexport const h = process.hrtime.bigint();\nimport { get } from 'http';\nexport { w, t, get };\n");
    write('deep/er/d.ts', "import { Dataplane } from '@kcptunb/dataplane';\nimport { S } from '@kcptunb/snmp';\nimport './missing.js';\nexport { Dataplane, S };\n");
    const found = violations(dir).join('\n');
    for (const want of ["'dgram'", "'net'", "'node:fs'", "'timers/promises'", "'child_process'", "'node:worker_threads'", "'http'", "'@kcptunb/dataplane'", 'Date.now', 'performance.now', 'setInterval', 'setImmediate', 'process.hrtime', './missing.js']) {
      assert.ok(found.includes(want), `${want} not reported:\n${found}`);
    }
    assert.ok(!found.includes('index.ts:3') && !found.includes('index.ts:4'), `comments are not code:\n${found}`);
    assert.ok(!found.includes('@kcptunb/snmp'), 'a core importing a core is fine');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
