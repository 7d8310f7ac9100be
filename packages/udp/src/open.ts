/**
 * Opening a data-plane UDP socket: the batched-syscall addon where it loads, node:dgram otherwise
 * (`KCPTUNB_UDP=dgram` forces the fallback). Which one, and why, is logged once per thread.
 */
import { udpAddon } from './addon.js';
import { DgramUdpEndpoint } from './dgramEndpoint.js';
import type { UdpEndpoint, UdpOpenOptions } from './endpoint.js';
import { NativeUdpEndpoint } from './nativeEndpoint.js';

let announced = false;

/** Which implementation `openUdpEndpoint` uses here, and why. */
export function udpImplementation(): { kind: 'native' | 'dgram'; reason?: string } {
  const a = udpAddon();
  return a.addon ? { kind: 'native' } : { kind: 'dgram', reason: a.reason };
}

export async function openUdpEndpoint(o: UdpOpenOptions): Promise<UdpEndpoint> {
  const a = udpAddon();
  if (!announced) {
    announced = true;
    o.log(a.addon ? 'udp: batched I/O (recvmmsg/sendmmsg)' : `udp: node:dgram (${a.reason})`);
  }
  if (!a.addon) return DgramUdpEndpoint.open(o);
  return new NativeUdpEndpoint(a.addon, o);
}

/**
 * A connected socket of its own for one server session: SO_REUSEPORT, bound to the address and
 * port the client sent to, connected to the client. Linux prefers a connected socket whose
 * 4-tuple matches over the port's other sockets, so the session's datagrams queue here, apart
 * from the listening socket's. Native path only (node:dgram on Node 20 has no reusePort):
 * undefined there. Throws what the kernel refused (bind EADDRINUSE, connect).
 */
export function openSessionEndpoint(o: UdpOpenOptions & { connect: { address: string; port: number } }): UdpEndpoint | undefined {
  const a = udpAddon();
  return a.addon ? new NativeUdpEndpoint(a.addon, { ...o, reusePort: true }) : undefined;
}
