/** Which UDP sharding the platform allows (docs/protocol.md §3.9). */
import { udpImplementation } from '@kcptunb/udp';

/**
 * Whether every shard may bind the server port itself (SO_REUSEPORT; the kernel then spreads
 * client addresses over the shards). The batched-UDP addon sets the option on the sockets it owns
 * on any Node version; node:dgram has it from Node 22.12 (older versions ignore it, so a second
 * bind fails). `KCPTUNB_REUSEPORT=0` turns it off: the server then forwards sessions from its
 * listener shard to the others.
 */
export function reusePortSupported(version = process.versions.node, env: NodeJS.ProcessEnv = process.env, native = udpImplementation().kind === 'native'): boolean {
  if (env.KCPTUNB_REUSEPORT === '0') return false;
  if (native) return true;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * Whether server sessions get connected sockets of their own (`sessionSockets.ts`): on the
 * native path, where the addon sets SO_REUSEPORT. `KCPTUNB_SESSION_SOCKETS=0` (or
 * `KCPTUNB_REUSEPORT=0`, which asks for no shared port at all) keeps every session on the
 * listening socket.
 */
export function sessionSocketsSupported(env: NodeJS.ProcessEnv = process.env, native = udpImplementation().kind === 'native'): boolean {
  return native && env.KCPTUNB_SESSION_SOCKETS !== '0' && env.KCPTUNB_REUSEPORT !== '0';
}
