/**
 * Connected sockets of their own for a listener's established sessions (native UDP path): each
 * binds the address and port its client sent to (SO_REUSEPORT) and connects to the client, so
 * the kernel queues that session's datagrams on it — its own receive buffer — and a flood on the
 * listening port (newcomers, replays, garbage) no longer shares a queue with them. A session the
 * kernel refuses one for (bind, connect) keeps using the listening socket, as before; the first
 * refusal is logged, every one counted.
 */
import type { DatagramBatch } from '@kcptunb/wasm';
import type { UdpEndpoint } from '@kcptunb/udp';

export interface SessionSocketRequest {
  /** The address and port the client sent to. */
  local: { address: string; port: number };
  /** The client. */
  peer: { address: string; port: number };
  onReceive: (batch: DatagramBatch) => void;
}

/** Opens one (the native endpoint); throws when the kernel refuses, undefined when unavailable. */
export type OpenSessionSocket = (request: SessionSocketRequest) => UdpEndpoint | undefined;

export class SessionSockets {
  private readonly sockets = new Map<number, UdpEndpoint>();
  /** Sessions that fell back to the listening socket (the kernel refused, or no destination address). */
  refused = 0;

  /** Sessions that share the listening socket because `limit` sessions had sockets already. */
  overLimit = 0;

  /** `limit`: at most this many at once (see `sessionSocketLimit`). */
  constructor(
    private readonly open: OpenSessionSocket,
    private readonly log: (line: string) => void,
    private readonly limit = Infinity,
  ) {}

  /** A socket for session `id`, or undefined: the session then uses the listening socket. */
  attach(id: number, request: SessionSocketRequest | undefined): UdpEndpoint | undefined {
    if (this.sockets.size >= this.limit) {
      if (this.overLimit++ === 0) this.log(`udp: ${this.limit} sessions have sockets of their own, the limit on this kernel (no 4-tuple hash for connected UDP sockets before Linux 6.14; KCPTUNB_SESSION_SOCKETS=N sets it); more share the listening socket`);
      return undefined;
    }
    let socket: UdpEndpoint | undefined;
    let reason = 'the destination address of its first datagram is unknown';
    try {
      if (request) socket = this.open(request);
    } catch (e) {
      reason = (e as Error).message;
    }
    if (!socket) {
      if (this.refused++ === 0) this.log(`udp: a session could not get a socket of its own (${reason}); such sessions share the listening socket`);
      return undefined;
    }
    this.sockets.set(id, socket);
    return socket;
  }

  /** The session ended: its socket (if any) is closed and its descriptor returned. */
  detach(id: number): void {
    const socket = this.sockets.get(id);
    if (!socket) return;
    this.sockets.delete(id);
    socket.close();
  }

  /** How many sessions have a socket of their own. */
  get size(): number {
    return this.sockets.size;
  }

  closeAll(): void {
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }
}
