/**
 * The server's outgoing TCP dial to a target (raw --target or a fast-mode
 * request): 5 s timeout, TCP Fast Open (TCP_FASTOPEN_CONNECT) when --tfo, with
 * one warning if the platform refuses it (docs/protocol.md §7.1).
 */
import { promises as dns } from 'node:dns';
import { connect, isIP, type Socket } from 'node:net';
import { connectFastOpen } from '@kcptunb/sockopt';
import type { Logger } from './logger.js';

/** How long the server waits for a target to accept (kcptunB's dial timeout). */
export const DIAL_TIMEOUT_MS = 5_000;

let warned = false;
/** Set when --dns fallback resolvers are active: names then go through them, not getaddrinfo. */
let useFallbackResolvers = false;

export function resolveNamesWithFallbackDns(on: boolean): void {
  useFallbackResolvers = on;
}

async function resolveHost(host: string): Promise<string> {
  if (!useFallbackResolvers || isIP(host)) return host;
  const v4 = await dns.resolve4(host).catch(() => [] as string[]);
  if (v4.length) return v4[0]!;
  const v6 = await dns.resolve6(host);
  return v6[0]!;
}

export async function dialTarget(hostOrName: string, port: number, tfo: boolean, timeoutMs: number, logger: Logger): Promise<Socket> {
  const host = await resolveHost(hostOrName);
  if (tfo) {
    return connectFastOpen(host, port, timeoutMs, {
      onWarning: (e) => {
        // UNSUPPORTED (no addon) was said once at start-up (cli.ts)
        if (warned || e.code === 'UNSUPPORTED') return;
        warned = true;
        logger.log(`tfo: not used for dialling (${e.message}); connecting normally`);
      },
    });
  }
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error(`dial ${host}:${port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeAllListeners('timeout');
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
