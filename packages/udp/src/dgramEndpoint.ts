/**
 * The pure fallback: a UdpEndpoint over node:dgram, for platforms without the addon or with
 * `KCPTUNB_UDP=dgram`. One `send` per datagram and one 'message' event per datagram; received
 * datagrams are gathered into a batch and handed on once per event-loop turn.
 */
import { createSocket, type Socket } from 'node:dgram';
import { setDscp } from '@kcptunb/sockopt';
import { DatagramBatch, DATAGRAM_STRIDE } from '@kcptunb/wasm';
import type { Senders, UdpEndpoint, UdpEndpointStats, UdpOpenOptions } from './endpoint.js';
import { packPeer, type PeerAddress } from './peerAddress.js';

const RECEIVE_BATCH = 64;

export type DgramEndpointOptions = UdpOpenOptions;

export class DgramUdpEndpoint implements UdpEndpoint {
  readonly kind = 'dgram';
  readonly local: { address: string; port: number };
  private readonly received: DatagramBatch;
  private readonly peers: PeerAddress[] = [];
  private readonly senders: Senders | undefined;
  private flushScheduled: NodeJS.Immediate | undefined;
  private truncated = 0;
  private receiveErrors = 0;
  private sendCalls = 0;
  private closed = false;

  static async open(o: DgramEndpointOptions): Promise<DgramUdpEndpoint> {
    const socket = createSocket({ type: o.family === 6 ? 'udp6' : 'udp4', reuseAddr: false, ...(o.reusePort ? { reusePort: true } : {}) } as Parameters<typeof createSocket>[0]);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: o.bindPort, address: o.bindAddress || undefined, exclusive: !o.reusePort }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (o.connect) {
      const { address, port } = o.connect;
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(port, address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    }
    return new DgramUdpEndpoint(socket, o);
  }

  private constructor(private readonly socket: Socket, private readonly o: DgramEndpointOptions) {
    applySocketOptions(socket, o);
    const a = socket.address();
    this.local = { address: a.address, port: a.port };
    this.received = new DatagramBatch(o.kernels, RECEIVE_BATCH);
    this.senders = o.connect ? undefined : { key: (slot) => this.peers[slot]!.key, peer: (slot) => this.peers[slot]! };
    socket.on('message', (msg: Buffer, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // a connected socket reports ICMP port-unreachable as ECONNREFUSED (the peer is not up yet)
      this.receiveErrors++;
      if (e.code !== 'ECONNREFUSED') o.log(`udp: ${e.message}`);
    });
  }

  send(batch: DatagramBatch, to?: PeerAddress): void {
    if (this.closed) return;
    for (let i = 0; i < batch.count; i++) {
      const data = Buffer.from(batch.view(i)); // dgram keeps the buffer until sent; the batch is reused
      this.sendCalls++;
      if (to) this.socket.send(data, to.port, to.address);
      else this.socket.send(data);
    }
  }

  stats(): UdpEndpointStats {
    return { truncated: this.truncated, sendErrors: 0, receiveErrors: this.receiveErrors, queued: 0, queueDrops: 0, sendCalls: this.sendCalls, receiveCalls: 0, gsoSends: 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.socket.close();
    this.received.dispose();
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    if (this.closed) return;
    if (msg.length > DATAGRAM_STRIDE) {
      this.truncated++; // cannot be valid: longer than any receive slot
      this.o.onDropped?.(1);
      return;
    }
    if (this.received.count === this.received.capacity) this.flush();
    if (this.senders) this.peers[this.received.count] = packPeer(address, port);
    this.received.push(msg);
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    if (this.closed || this.received.count === 0) return;
    this.o.onReceive(this.received, this.senders);
    this.received.clear();
    this.peers.length = 0;
  }
}

/** --sockbuf (capped by the kernel's rmem_max/wmem_max) and --dscp; failures are log lines. */
function applySocketOptions(socket: Socket, o: DgramEndpointOptions): void {
  try {
    socket.setRecvBufferSize(o.sockBuf);
    socket.setSendBufferSize(o.sockBuf);
  } catch (e) {
    o.log(`sockbuf: ${(e as Error).message}`);
  }
  if (o.dscp !== 0) {
    const r = setDscp(socket, o.dscp);
    if (!r.ok) o.log(`SetDSCP: ${r.error?.message ?? 'refused by the kernel'}`);
  }
}
