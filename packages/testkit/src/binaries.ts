/** The executables the harness starts: our CLI, Debian's kcptun and upstream's last release. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from packages/testkit/dist). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Our CLI entry point. */
export const KCPTUNB_BIN = join(REPO_ROOT, 'packages', 'control', 'bin', 'kcptunb.js');

/** `kcptun`: Debian's 20210922 on PATH; `upstream`: xtaci/kcptun 20260126 static binaries. */
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

/** Where upstream's 2026-01-26 binaries live: `../shared/peers/kcptun-20260126/` from the repository root. */
export const UPSTREAM_DIR = join(REPO_ROOT, '..', 'shared', 'peers', 'kcptun-20260126');

/** Upstream's binary `name`; its absence is a failure, never a skip. */
export function requireUpstream(name: 'kcptun-client' | 'kcptun-server'): string {
  const path = join(UPSTREAM_DIR, name);
  if (!existsSync(path)) throw new Error(`${name} of upstream kcptun 20260126 not found at ${path}; interop tests never skip`);
  return path;
}

/** Command and leading arguments that run `impl`'s `side`. */
export function commandFor(impl: Impl, side: Side): { cmd: string; args: string[]; label: string } {
  if (impl === 'ours') return { cmd: process.execPath, args: [KCPTUNB_BIN, side], label: `ours ${side}` };
  const name = side === 'client' ? 'kcptun-client' : 'kcptun-server';
  if (impl === 'upstream') return { cmd: requireUpstream(name), args: [], label: `upstream ${name}` };
  return { cmd: requireKcptun(name), args: [], label: name };
}
