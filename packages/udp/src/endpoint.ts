/**
 * One UDP socket of the data plane, batch in and batch out, whichever implementation is behind it
 * (the batched-syscall addon or node:dgram).
 */
import type { DatagramBatch } from '@kcptunb/wasm';
import type { PeerAddress, PeerKey } from './peerAddress.js';

/** Who sent each datagram of a received batch (unconnected sockets only). */
export interface Senders {
  key(slot: number): PeerKey;
  /** The sender as a destination (allocates: call it when a session is opened, not per datagram). */
  peer(slot: number): PeerAddress;
}

/**
 * Called with every received batch (slots 0 … count−1); the batch is reused as soon as it
 * returns: process or copy what is needed. `senders` is undefined on connected sockets.
 */
export type ReceiveHandler = (batch: DatagramBatch, senders: Senders | undefined) => void;

export interface UdpEndpointStats {
  /** Datagrams dropped because they were larger than a receive slot. */
  truncated: number;
  /** Datagrams a send error dropped (ICMP refusals on connected sockets, EMSGSIZE, …). */
  sendErrors: number;
  /** Errors reported on receive (ICMP errors queued on connected sockets). */
  receiveErrors: number;
  /** Datagrams waiting for the socket to become writable. */
  queued: number;
  /** Datagrams dropped because that queue was full. */
  queueDrops: number;
  sendCalls: number;
  receiveCalls: number;
  gsoSends: number;
}

export interface UdpEndpoint {
  readonly kind: 'native' | 'dgram';
  readonly local: { address: string; port: number };
  /**
   * Send every datagram of `batch` (to the connected peer, or to `to`). A full socket buffer is
   * back-pressure: the rest is copied and sent when the socket is writable, in order.
   */
  send(batch: DatagramBatch, to?: PeerAddress): void;
  stats(): UdpEndpointStats;
  close(): void;
}
