/** The executables the harness starts: our CLI, Debian's kcptun, and upstream's last kcptun. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from packages/testkit/dist). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Our CLI entry point. */
export const KCPTUNB_BIN = join(REPO_ROOT, 'packages', 'control', 'bin', 'kcptunb.js');

export type Impl = 'ours' | 'kcptun' | 'upstream';
export type Side = 'client' | 'server';

/** Absolute path of an executable on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : undefined;
}

/**
 * The Debian kcptun binary `name` (kcptun-client / kcptun-server). Its absence is a
 * failure, not a skip: the interop peer is the judge (`apt-get install -y kcptun`).
 */
export function requireKcptun(name: 'kcptun-client' | 'kcptun-server'): string {
  const path = which(name);
  if (!path) throw new Error(`${name} not found: install Debian's kcptun package (apt-get install -y kcptun); interop tests never skip`);
  return path;
}

/** Upstream's last kcptun (2026-01-26), static binaries run in place from ../shared (never copied into the repo). */
export const UPSTREAM_DIR = join(REPO_ROOT, '..', 'shared', 'peers', 'kcptun-20260126');

/** Upstream's binary for `side`; its absence is a failure, like Debian's. */
export function requireUpstream(side: Side): string {
  const path = join(UPSTREAM_DIR, `kcptun-${side}`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`upstream kcptun-${side} not found or not executable at ${path} (expected ../shared/peers/kcptun-20260126 beside the repository)`);
  }
  return path;
}

/**
 * What a bin's sh launcher line (`':' //; exec env NAME=VALUE… node FLAG… "$0" "$@"`) sets
 * (environment, node flags), so the harness can start it with this process's node and still run
 * it as the installed command runs (that line is the one place the launcher's settings live).
 */
export function launcherOf(file: string): { env: Record<string, string>; nodeFlags: string[] } {
  const [first, second] = readFileSync(file, 'utf8').split('\n', 2);
  const m = /^':' \/\/; exec env (.*) "\$0" "\$@"$/.exec(second ?? '');
  if (first !== '#!/bin/sh' || !m) throw new Error(`${file}: expected the sh launcher (#!/bin/sh, then ':' //; exec env … node FLAGS "$0" "$@"), got ${first}\n${second}`);
  const words = m[1]!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  if (words.shift() !== 'node') throw new Error(`${file}: the launcher does not run node: ${second}`);
  return { env, nodeFlags: words };
}

/** Command, leading arguments and extra environment that run `impl`'s `side`. */
export function commandFor(impl: Impl, side: Side): { cmd: string; args: string[]; label: string; env?: Record<string, string> } {
  if (impl === 'ours') {
    const launcher = launcherOf(KCPTUNB_BIN);
    return { cmd: process.execPath, args: [...launcher.nodeFlags, KCPTUNB_BIN, side], label: `ours ${side}`, env: launcher.env };
  }
  if (impl === 'upstream') return { cmd: requireUpstream(side), args: [], label: `upstream kcptun-${side}` };
  const name = side === 'client' ? 'kcptun-client' : 'kcptun-server';
  return { cmd: requireKcptun(name), args: [], label: name };
}
