/** Which UDP sharding the platform allows (docs/protocol.md §3.9). */
import { release } from 'node:os';
// the addon's loader alone: the control thread asks this, and needs no endpoint code
import { udpAddon } from '@kcptunb/udp/addon';

/**
 * Whether every shard may bind the server port itself (SO_REUSEPORT; the kernel then spreads
 * client addresses over the shards). The batched-UDP addon sets the option on the sockets it owns
 * on any Node version; node:dgram has it from Node 22.12 (older versions ignore it, so a second
 * bind fails). `KCPTUNB_REUSEPORT=0` turns it off: the server then forwards sessions from its
 * listener shard to the others.
 */
export function reusePortSupported(version = process.versions.node, env: NodeJS.ProcessEnv = process.env, native = udpAddon().addon !== undefined): boolean {
  if (env.KCPTUNB_REUSEPORT === '0') return false;
  if (native) return true;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 12);
}

/** Without KCPTUNB_SESSION_SOCKETS, at most this many on a kernel with no 4-tuple hash. */
export const SESSION_SOCKETS_WITHOUT_HASH4 = 64;

/**
 * How many server sessions (per listening socket) get connected sockets of their own
 * (`sessionSockets.ts`); 0: none. Only on the native path, where the addon sets SO_REUSEPORT.
 * Linux 6.14 added a 4-tuple hash for connected UDP sockets; before it, the lookup of every
 * datagram arriving on the port compares each socket bound to that port, so on older kernels
 * only the first 64 sessions get one (the rest share the listening socket, as before).
 * `KCPTUNB_SESSION_SOCKETS=N` sets the number (0: none); `KCPTUNB_REUSEPORT=0`, which asks for no
 * shared port at all, turns them off too.
 */
export function sessionSocketLimit(env: NodeJS.ProcessEnv = process.env, native = udpAddon().addon !== undefined, kernel = release()): number {
  if (!native || env.KCPTUNB_REUSEPORT === '0') return 0;
  const given = env.KCPTUNB_SESSION_SOCKETS;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given);
  return kernelAtLeast(kernel, 6, 14) ? Infinity : SESSION_SOCKETS_WITHOUT_HASH4;
}

function kernelAtLeast(kernel: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}
