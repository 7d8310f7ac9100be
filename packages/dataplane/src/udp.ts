/** UDP socket set-up shared by client sessions and the server listener (docs/protocol.md §3.9, §7.2, §7.3). */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { setDscp } from '@kcptunb/sockopt';
import type { SocketSettings } from './settings.js';


/** Apply --sockbuf (capped by the kernel's rmem_max/wmem_max) and report failures as log lines. */
export function applySocketOptions(socket: Socket, opts: SocketSettings, log: (line: string) => void): void {
  try {
    socket.setRecvBufferSize(opts.sockBuf);
    socket.setSendBufferSize(opts.sockBuf);
  } catch (e) {
    log(`sockbuf: ${(e as Error).message}`);
  }
  if (opts.dscp !== 0) {
    // IP_TOS = dscp << 2 (and IPV6_TCLASS on IPv6 sockets) through the native addon; failures are only logged
    const r = setDscp(socket, opts.dscp);
    if (!r.ok) log(`SetDSCP: ${r.error?.message ?? 'refused by the kernel'}`);
  }
}

export function socketType(host: string): 'udp4' | 'udp6' {
  return isIPv6(host) ? 'udp6' : 'udp4';
}

/**
 * SO_REUSEPORT for dgram arrived in Node 22.12; older versions ignore the
 * option, so a second bind of the same port fails. `KCPTUNB_REUSEPORT=0`
 * turns it off on any version: the server then forwards sessions from its
 * listener shard, as on older Node.
 */
export function reusePortSupported(version = process.versions.node, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.KCPTUNB_REUSEPORT === '0') return false;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 12);
}

export function bindSocket(type: 'udp4' | 'udp6', port: number, host: string | undefined, reusePort = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type, reuseAddr: false, ...(reusePort ? { reusePort: true } : {}) } as Parameters<typeof createSocket>[0]);
    const onError = (e: Error) => reject(e);
    socket.once('error', onError);
    socket.bind({ port, address: host, exclusive: !reusePort }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
