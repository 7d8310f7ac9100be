/** A server process's UDP sockets as the kernel lists them (/proc), for the session-socket tests. */
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import type { Proc } from '@kcptunb/testkit';

/** Socket inodes among `pid`'s descriptors, and how many descriptors it has. */
export function descriptorsOf(pid: number): { count: number; sockets: Set<string> } {
  const sockets = new Set<string>();
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    count++;
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) sockets.add(m[1]!);
    } catch {
      // closed between the listing and the read
    }
  }
  return { count, sockets };
}

/** The server's UDP sockets on `port` that are connected to a peer (remote port ≠ 0). */
export function connectedSocketsOn(server: Proc, port: number): number {
  const own = descriptorsOf(server.child.pid!).sockets;
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1]!.endsWith(hex) && !/:0000$/.test(f[2]!) && own.has(f[9]!)) n++;
    }
  }
  return n;
}

