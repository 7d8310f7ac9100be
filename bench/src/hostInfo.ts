/** What a bench ran on and against: the machine, Node, and the three tunnels' versions. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, UPSTREAM_DIR, which } from '@kcptunb/testkit';

export interface HostInfo {
  cpuModel: string;
  cores: number;
  node: string;
  versions: { ours: string; upstream: string; kcptun: string };
}

function run(cmd: string, args: string[], cwd?: string): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 5000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return r.status === 0 && out ? out : undefined;
}

/** Ours: git describe of the worktree (a dirty tree says so). */
function oursVersion(): string {
  return run('git', ['describe', '--always', '--tags', '--dirty'], REPO_ROOT) ?? 'unknown (no git)';
}

/** Upstream: the version and commit BUILDINFO.txt records for the static binaries. */
function upstreamVersion(): string {
  try {
    const info = readFileSync(join(UPSTREAM_DIR, 'BUILDINFO.txt'), 'utf8');
    const m = /xtaci\/kcptun:\s+([0-9a-f]{40})\s+\(([^)]+)\)/.exec(info);
    const go = /^go:\s+go version (\S+)/m.exec(info);
    return m ? `${m[2]} (xtaci/kcptun ${m[1]!.slice(0, 12)}${go ? `, ${go[1]}` : ''})` : 'unknown (BUILDINFO.txt unreadable)';
  } catch {
    return 'missing';
  }
}

/** Debian: what `kcptun-client -v` prints, with the package version (its -v says SELFBUILD). */
function debianVersion(): string {
  if (!which('kcptun-client')) return 'missing';
  const v = run('kcptun-client', ['-v']) ?? 'kcptun-client -v failed';
  const pkg = run('dpkg-query', ['-W', '-f', '${Version}', 'kcptun']);
  return pkg ? `${v} (Debian package kcptun ${pkg})` : v;
}

export function hostInfo(): HostInfo {
  return { cpuModel: cpus()[0]?.model ?? 'unknown cpu', cores: cpus().length, node: process.version, versions: { ours: oursVersion(), upstream: upstreamVersion(), kcptun: debianVersion() } };
}
