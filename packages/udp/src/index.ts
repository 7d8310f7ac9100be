/**
 * The data plane's UDP sockets, batch in and batch out: a small N-API addon (recvmmsg into
 * DatagramBatch slots, sendmmsg and GSO out of them; it owns its sockets and polls them on the
 * calling thread's loop) with node:dgram behind the same interface as the fallback.
 */
export { openSessionEndpoint, openUdpEndpoint, udpImplementation } from './open.js';
export type { ReceiveHandler, Senders, UdpEndpoint, UdpEndpointStats, UdpOpenOptions } from './endpoint.js';
export { packPeer, peerAt, peerKey, type PeerAddress, type PeerKey } from './peerAddress.js';
export { trimHeap, udpAddon, ADDR_BYTES, STAT, STAT_COUNT, type UdpAddon } from './addon.js';
export { SpillQueue } from './spillQueue.js';
export type { UdpSocketOptions } from './socketOptions.js';
