/**
 * The tests' tunnel recipe: both ends share a key, a cipher and --quiet; flags
 * only kcptunB understands go to our side alone; per-side extras on top.
 */
import type { Impl } from './binaries.js';
import type { ProcessGroup } from './group.js';
import type { Tunnel, TunnelSpec } from './tunnel.js';

/** Flags shared by both ends of a tunnel in a test. */
export interface TunnelFlags {
  crypt?: string;
  key?: string;
  nocomp?: boolean;
  /** kcptunB-only flags: given to whichever end is ours, never to Debian kcptun. */
  extra?: string[];
}

export function commonFlags(f: TunnelFlags, impl: Impl): string[] {
  const a = ['--key', f.key ?? 'test key', '--crypt', f.crypt ?? 'aes', '--quiet'];
  if (f.nocomp) a.push('--nocomp');
  if (impl === 'ours' && f.extra) a.push(...f.extra);
  return a;
}

/** Start server then client (either implementation each) in front of `targetPort`; ready when it returns. */
export function startTunnel(group: ProcessGroup, clientImpl: Impl, serverImpl: Impl, targetPort: number, flags: TunnelFlags = {}, clientExtra: string[] = [], serverExtra: string[] = [], more: Partial<TunnelSpec> = {}): Promise<Tunnel> {
  return group.tunnel({
    client: clientImpl,
    server: serverImpl,
    targetPort,
    serverArgs: [...commonFlags(flags, serverImpl), ...serverExtra],
    clientArgs: [...commonFlags(flags, clientImpl), ...clientExtra],
    ...more,
  });
}
