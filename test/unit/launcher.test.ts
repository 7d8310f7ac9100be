/**
 * The launcher's settings live in the bins' first two lines (`#!/bin/sh`, then an exec of node
 * with them that JavaScript reads as a string and a comment): both bins carry the same lines, the
 * harness reads the flags and environment from them, and they run here when the bin is executed
 * directly (as npm's installed symlink is), through sh, in the same process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandFor, KCPTUNB_BIN, launcherOf, REPO_ROOT } from '@kcptunb/testkit';

const launcherLines = (file: string) => readFileSync(file, 'utf8').split('\n', 2).join('\n');

test('launcher: the package bin and the workspace bin share one shebang; the harness starts ours with its flags and environment', () => {
  assert.equal(launcherLines(join(REPO_ROOT, 'bin', 'kcptunb.js')), launcherLines(KCPTUNB_BIN));
  const l = launcherOf(KCPTUNB_BIN);
  assert.ok(l.nodeFlags.includes('--max-semi-space-size=1'), l.nodeFlags.join(' '));
  assert.equal(l.env.MALLOC_ARENA_MAX, '2');
  const c = commandFor('ours', 'server');
  assert.deepEqual(c.args, [...l.nodeFlags, KCPTUNB_BIN, 'server']);
  assert.deepEqual(c.env, l.env);
});

test('launcher: the bin runs when executed directly, as one process with the launcher\'s flags and environment', () => {
  const r = spawnSync(KCPTUNB_BIN, ['-v'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `${r.error?.message ?? ''}${r.stderr}`);
  assert.match(r.stdout, /^kcptun version /);
  // a script in place of the CLI shows what the launcher line gives the node it execs
  const dir = mkdtempSync(join(tmpdir(), 'kcptunb-launcher-'));
  try {
    const probe = join(dir, 'probe.js');
    writeFileSync(probe, readFileSync(KCPTUNB_BIN, 'utf8').split('\n', 2).join('\n') + '\nconsole.log(JSON.stringify({ argv: process.argv.slice(2), flags: process.execArgv, arena: process.env.MALLOC_ARENA_MAX, gc: typeof globalThis.gc }));\n');
    chmodSync(probe, 0o755);
    const p = spawnSync(probe, ['a b', 'c'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(p.status, 0, `${p.error?.message ?? ''}${p.stderr}`);
    const seen = JSON.parse(p.stdout) as { argv: string[]; flags: string[]; arena: string; gc: string };
    assert.deepEqual(seen.argv, ['a b', 'c'], 'arguments pass through unchanged');
    assert.deepEqual(seen.flags, launcherOf(KCPTUNB_BIN).nodeFlags);
    assert.equal(seen.arena, '2');
    assert.equal(seen.gc, 'function');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
