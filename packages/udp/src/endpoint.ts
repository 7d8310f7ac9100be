/**
 * One UDP socket of the data plane, batch in and batch out, whichever implementation is behind it
 * (the batched-syscall addon or node:dgram).
 */
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import type { UdpSocketOptions } from './socketOptions.js';
import type { PeerAddress, PeerKey } from './peerAddress.js';

/** Who sent each datagram of a received batch (unconnected sockets only). */
export interface Senders {
  key(slot: number): PeerKey;
  /** The sender as a destination (allocates: call it when a session is opened, not per datagram). */
  peer(slot: number): PeerAddress;
  /**
   * The address slot's datagram was sent to (an IP literal; sockets opened with
   * `receiveDestinations` on the native path only, undefined otherwise). Allocates, like `peer`.
   */
  destination?(slot: number): string | undefined;
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

/** How to open an endpoint (either implementation). */
export interface UdpOpenOptions extends UdpSocketOptions {
  kernels: Kernels;
  family: 4 | 6;
  /** IP literal to bind ('' = every interface). */
  bindAddress: string;
  bindPort: number;
  /** Share the port with other sockets of this process (SO_REUSEPORT: one per shard). */
  reusePort?: boolean;
  /**
   * Learn each received datagram's destination address (IP_PKTINFO / IPV6_RECVPKTINFO), for a
   * wildcard-bound server socket whose sessions get sockets of their own (`Senders.destination`).
   */
  receiveDestinations?: boolean;
  /**
   * recvmmsg batches per loop turn (native path; 16 by default). A listening socket whose
   * sessions have sockets of their own takes 1, so screening a flood on it cannot starve them:
   * what does not fit its receive buffer the kernel drops, at no cost to the shard.
   */
  receiveRounds?: number;
  /** IP literal and port of the one peer (client sessions); unconnected otherwise. */
  connect?: { address: string; port: number };
  onReceive: ReceiveHandler;
  log: (line: string) => void;
  /** Received datagrams dropped here (larger than a slot): the data plane counts them in SNMP InErrs. */
  onDropped?: (count: number) => void;
}
