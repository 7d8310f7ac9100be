/**
 * The launcher's settings live in the bins' shebang (`#!/usr/bin/env -S … node FLAGS`): both bins
 * carry the same line, the harness reads the flags and environment from it, and the line runs
 * here when the bin is executed directly (as npm's installed symlink is).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandFor, KCPTUNB_BIN, launcherOf, REPO_ROOT } from '@kcptunb/testkit';

const firstLine = (file: string) => readFileSync(file, 'utf8').split('\n', 1)[0];

test('launcher: the package bin and the workspace bin share one shebang; the harness starts ours with its flags and environment', () => {
  assert.equal(firstLine(join(REPO_ROOT, 'bin', 'kcptunb.js')), firstLine(KCPTUNB_BIN));
  const l = launcherOf(KCPTUNB_BIN);
  assert.ok(l.nodeFlags.includes('--max-semi-space-size=1'), l.nodeFlags.join(' '));
  assert.equal(l.env.MALLOC_ARENA_MAX, '2');
  const c = commandFor('ours', 'server');
  assert.deepEqual(c.args, [...l.nodeFlags, KCPTUNB_BIN, 'server']);
  assert.deepEqual(c.env, l.env);
});

test('launcher: the bin runs when executed directly (env -S)', () => {
  const r = spawnSync(KCPTUNB_BIN, ['-v'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `${r.error?.message ?? ''}${r.stderr}`);
  assert.match(r.stdout, /^kcptun version /);
});
