/**
 * A UdpEndpoint over the batched-syscall addon: the addon owns the socket, a uv_poll_t on this
 * thread's loop says when it is readable (or writable again), recvmmsg fills a DatagramBatch in
 * WebAssembly memory, and every sealed batch goes out in one sendmmsg (with UDP GSO for runs of
 * equal-size datagrams where the kernel takes it). No JS object per datagram on either path.
 */
import { DatagramBatch, DATAGRAM_STRIDE, type Kernels } from '@kcptunb/wasm';
import { ADDR_BYTES, STAT, STAT_COUNT, type UdpAddon } from './addon.js';
import type { Senders, UdpEndpoint, UdpEndpointStats, UdpOpenOptions } from './endpoint.js';
import { peerAt, peerKey, type PeerAddress } from './peerAddress.js';
import { IPPROTO_IP, IPPROTO_IPV6, IPV6_RECVPKTINFO, IPV6_TCLASS, IP_PKTINFO, IP_TOS, SOL_SOCKET, SOL_UDP, SO_RCVBUF, SO_SNDBUF, UDP_SEGMENT } from './socketOptions.js';
import { SpillQueue } from './spillQueue.js';

/** Datagrams per recvmmsg call. */
const RECEIVE_BATCH = 64;
/**
 * recvmmsg calls per turn before the loop gets a turn (sockets, timers, rings). The poll reports
 * readability as an edge, so a socket left with datagrams is read on in the next turn.
 */
const RECEIVE_ROUNDS = 16;
const READABLE = 1;
/** Poll errors within one second after which a socket is given up (an ICMP error is cleared by one read). */
const MAX_POLL_ERRORS_PER_SECOND = 10_000;
const WRITABLE = 2;

export type NativeEndpointOptions = UdpOpenOptions;

/**
 * One receive batch per kernel instance (per thread), shared by every socket on it: `onReceive`
 * consumes a batch before it returns (the session decrypts it in place and hands it to KCP, the
 * listener copies each datagram into its session's inbox), and a thread reads one socket at a
 * time, so a batch per socket — 94 KiB of kernel memory each, one per client session and per
 * server session socket — held nothing another could not. Never freed: it lives as long as the
 * thread's kernels.
 */
const receiveBatches = new WeakMap<Kernels, DatagramBatch>();

function receiveBatchOf(kernels: Kernels): DatagramBatch {
  let batch = receiveBatches.get(kernels);
  if (!batch) {
    batch = new DatagramBatch(kernels, RECEIVE_BATCH);
    receiveBatches.set(kernels, batch);
  }
  return batch;
}

export class NativeUdpEndpoint implements UdpEndpoint {
  readonly kind = 'native';
  readonly local: { address: string; port: number };
  private readonly fd: number;
  private readonly poller: object;
  private readonly stat = new Float64Array(STAT_COUNT);
  private readonly received: DatagramBatch;
  private readonly addrs: Uint8Array | null;
  /** Each received datagram's destination address (receiveDestinations only). */
  private readonly dests: Uint8Array | null;
  private readonly senders: Senders | undefined;
  private readonly spill = new SpillQueue();
  private gso: boolean;
  /** A turn scheduled to read on (the socket still had datagrams after RECEIVE_ROUNDS calls). */
  private moreToRead: NodeJS.Immediate | undefined;
  private gsoFailures = 0;
  private closed = false;

  constructor(private readonly addon: UdpAddon, private readonly o: NativeEndpointOptions) {
    const any = o.family === 6 ? '::' : '0.0.0.0';
    this.fd = addon.open(o.family, o.bindAddress || any, o.bindPort, o.reusePort ?? false);
    try {
      if (o.connect) addon.connect(this.fd, o.family, o.connect.address, o.connect.port);
      this.applyOptions();
      const [address, port] = addon.local(this.fd);
      this.local = { address, port };
    } catch (e) {
      addon.close(this.fd);
      throw e;
    }
    this.gso = this.probeGso();
    this.received = receiveBatchOf(o.kernels);
    this.addrs = o.connect ? null : new Uint8Array(RECEIVE_BATCH * ADDR_BYTES);
    this.dests = !o.connect && o.receiveDestinations && this.askDestinations() ? new Uint8Array(RECEIVE_BATCH * ADDR_BYTES) : null;
    const addrs = this.addrs;
    const dests = this.dests;
    this.senders = addrs
      ? {
          key: (slot) => peerKey(addrs, slot * ADDR_BYTES),
          peer: (slot) => peerAt(addrs, slot * ADDR_BYTES),
          destination: (slot) => (dests && dests[slot * ADDR_BYTES] !== 0 ? peerAt(dests, slot * ADDR_BYTES).address : undefined),
        }
      : undefined;
    this.poller = addon.poll(this.fd, (events) => this.onEvents(events));
  }

  send(batch: DatagramBatch, to?: PeerAddress): void {
    if (this.closed || batch.count === 0) return;
    const dest = to?.bytes;
    if (this.spill.size > 0) {
      // keep the order: behind what is already waiting
      for (let i = 0; i < batch.count; i++) this.spill.push(batch.view(i), dest);
      return;
    }
    const consumed = this.addon.send(this.fd, batch.memoryBytes(), batch.base, DATAGRAM_STRIDE, batch.memoryWords(), batch.lens >>> 2, 0, batch.count, dest ?? null, this.stat, this.gso);
    this.checkGso();
    if (consumed < batch.count) {
      for (let i = consumed; i < batch.count; i++) this.spill.push(batch.view(i), dest);
      this.addon.pollEvents(this.poller, READABLE | WRITABLE);
    }
  }

  stats(): UdpEndpointStats {
    const s = this.stat;
    return {
      truncated: s[STAT.TRUNCATED]!,
      sendErrors: s[STAT.SEND_ERRORS]!,
      receiveErrors: s[STAT.RECV_ERRORS]!,
      queued: this.spill.size,
      queueDrops: this.spill.drops,
      sendCalls: s[STAT.SEND_CALLS]!,
      receiveCalls: s[STAT.RECV_CALLS]!,
      gsoSends: s[STAT.GSO_SENDS]!,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.moreToRead) clearImmediate(this.moreToRead);
    this.addon.pollClose(this.poller);
    this.addon.close(this.fd);
  }

  private onEvents(events: number): void {
    if (this.closed) return;
    if (events < 0) return this.onPollError();
    if (events & WRITABLE) this.flushSpill();
    if (events & READABLE) this.receive();
  }

  /** Poll errors in the current second; a socket whose errors never clear stops being re-armed. */
  private pollErrors = 0;
  private pollErrorsSince = 0;

  /**
   * libuv stops watching a socket that reports POLLERR — on a connected UDP socket that is a
   * queued ICMP error (port unreachable while the server restarts). Reading takes the error off
   * the socket (the receive path counts it), then the watch is armed again: without this, a
   * client session would never hear its peer again.
   */
  private onPollError(): void {
    const now = Date.now();
    if (now - this.pollErrorsSince >= 1000) {
      this.pollErrorsSince = now;
      this.pollErrors = 0;
    }
    if (++this.pollErrors > MAX_POLL_ERRORS_PER_SECOND) {
      this.o.log(`udp: the socket keeps reporting errors; no longer watched`);
      return;
    }
    this.receive();
    if (!this.closed) this.addon.pollEvents(this.poller, this.spill.size > 0 ? READABLE | WRITABLE : READABLE);
  }

  private receive(): void {
    const batch = this.received;
    const truncated = this.stat[STAT.TRUNCATED]!;
    try {
      this.receiveRounds(batch);
    } finally {
      const dropped = this.stat[STAT.TRUNCATED]! - truncated;
      if (dropped > 0) this.o.onDropped?.(dropped);
    }
  }

  private receiveRounds(batch: DatagramBatch): void {
    const rounds = this.o.receiveRounds ?? RECEIVE_ROUNDS;
    for (let round = 0; round < rounds; round++) {
      if (this.closed) return;
      batch.clear();
      const n = this.addon.recv(this.fd, batch.memoryBytes(), batch.base, DATAGRAM_STRIDE, batch.memoryWords(), batch.lens >>> 2, 0, batch.capacity, this.addrs, this.stat, this.dests);
      if (n > 0) {
        batch.count = n;
        this.o.onReceive(batch, this.senders);
      }
      // fewer than asked for: the socket is empty and the next datagram raises a new edge
      if (this.stat[STAT.RECV_TAKEN]! < batch.capacity) return;
    }
    this.moreToRead ??= setImmediate(() => {
      this.moreToRead = undefined;
      this.receive();
    });
  }

  private flushSpill(): void {
    const empty = this.spill.flush((mem, lens, first, count, to) => this.addon.send(this.fd, mem, 0, DATAGRAM_STRIDE, lens, 0, first, count, to, this.stat, this.gso));
    this.checkGso();
    // level-triggered: a writable watch left on would spin
    if (empty) this.addon.pollEvents(this.poller, READABLE);
  }

  private applyOptions(): void {
    const { addon, fd, o } = this;
    try {
      addon.setInt(fd, SOL_SOCKET, SO_RCVBUF, o.sockBuf);
      addon.setInt(fd, SOL_SOCKET, SO_SNDBUF, o.sockBuf);
    } catch (e) {
      o.log(`sockbuf: ${(e as Error).message}`);
    }
    if (o.dscp !== 0) {
      // IP_TOS = dscp << 2; an IPv6 socket also gets IPV6_TCLASS (IP_TOS then marks its v4-mapped traffic)
      const attempts = o.family === 6 ? [[IPPROTO_IPV6, IPV6_TCLASS], [IPPROTO_IP, IP_TOS]] : [[IPPROTO_IP, IP_TOS]];
      const errors: string[] = [];
      for (const [level, name] of attempts) {
        try {
          addon.setInt(fd, level!, name!, o.dscp << 2);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      if (errors.length === attempts.length) o.log(`SetDSCP: ${errors[0]}`);
    }
  }

  /** IP_PKTINFO (IPv4) or IPV6_RECVPKTINFO (IPv6, v4-mapped datagrams included): false when refused. */
  private askDestinations(): boolean {
    try {
      if (this.o.family === 6) this.addon.setInt(this.fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
      else this.addon.setInt(this.fd, IPPROTO_IP, IP_PKTINFO, 1);
      return true;
    } catch (e) {
      this.o.log(`udp: destination addresses unavailable (${(e as Error).message})`);
      return false;
    }
  }

  /** GSO where the kernel has UDP_SEGMENT (getsockopt answers); KCPTUNB_GSO=0 turns it off. */
  private probeGso(): boolean {
    if (process.env.KCPTUNB_GSO === '0') return false;
    try {
      this.addon.getInt(this.fd, SOL_UDP, UDP_SEGMENT);
      return true;
    } catch {
      return false;
    }
  }

  private checkGso(): void {
    const failures = this.stat[STAT.GSO_FAILED]!;
    if (failures === this.gsoFailures) return;
    this.gsoFailures = failures;
    if (this.gso) {
      this.gso = false;
      this.o.log('udp: the path refused GSO (UDP_SEGMENT); sending datagram by datagram on this socket');
    }
  }
}
