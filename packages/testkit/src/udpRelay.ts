/**
 * A UDP impairment relay for the integration tiers (this kernel has no netem):
 * it listens on 127.0.0.1, forwards client → server ("up") and server → client
 * ("down"), and impairs each direction on its own — seeded loss, a fixed delay,
 * uniform jitter (so datagrams overtake each other), duplication, corruption
 * (one byte of a datagram changed) and an optional rate limit with a drop-tail queue.
 *
 * Each client address the relay hears from gets its own upstream socket, so the
 * server sees one source port per client socket exactly as without the relay
 * (a kcptun client with `--conn 4` stays 4 sessions). Clients are capped.
 *
 * Timers: one per direction, armed for the earliest due datagram; never more.
 * `close()` clears them and closes every socket; queued datagrams are dropped.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Rng } from './random.js';

/** How one direction of the path misbehaves. All fields optional: the default is a clean wire. */
export interface Impairment {
  /** Probability in [0, 1] that a datagram is dropped. */
  loss?: number;
  /** Fixed one-way delay in ms. */
  delayMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs) per datagram (and per copy): reorders. */
  jitterMs?: number;
  /** Probability in [0, 1] that a datagram is delivered twice (the copy gets its own jitter). */
  duplicate?: number;
  /** Probability in [0, 1] that a delivered copy has one random byte changed (XOR with 1..255). */
  corrupt?: number;
  /** Bottleneck rate in bytes per second (serialisation before the delay); 0/undefined = unlimited. */
  rateBytesPerSec?: number;
  /** Drop-tail queue in front of the bottleneck, in bytes (default 256 KiB). Only with a rate. */
  queueBytes?: number;
}

export interface DirectionStats {
  /** Datagrams received on this direction's ingress. */
  received: number;
  receivedBytes: number;
  /** Dropped by the loss draw. */
  dropped: number;
  /** Dropped because the rate-limit queue was full. */
  queueDrops: number;
  /** Extra copies made by the duplication draw. */
  duplicated: number;
  /** Copies with one byte changed by the corruption draw. */
  corrupted: number;
  /** Datagrams handed to the kernel for sending (copies included). */
  forwarded: number;
  forwardedBytes: number;
  /** Forwarded datagrams that left after one received later than them (overtaken). */
  reordered: number;
  /** send() errors (e.g. the server is down). */
  sendErrors: number;
}

export interface UdpRelayOptions {
  /** Where the server listens. */
  target: { host?: string; port: number };
  /** Port to listen on, 0 (default) = ephemeral. Always bound on `host`. */
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Client → server impairment. */
  up?: Impairment;
  /** Server → client impairment. */
  down?: Impairment;
  /** Seed for both directions' draws (default 1). */
  seed?: number;
  /** Socket send/receive buffers in bytes (default 4 MiB; the kernel caps it at rmem_max/wmem_max). */
  sockbuf?: number;
  /** Most distinct client addresses served; later ones are ignored and counted (default 64). */
  maxClients?: number;
  /** Sees every client → server datagram as received (replay tests record them). */
  recordUp?: (datagram: Buffer) => void;
}

interface Pending {
  due: number;
  order: number;
  /** Receive order of the original datagram: reordering is measured on it. */
  seq: number;
  data: Buffer;
  port: number;
  address: string;
  out: Socket;
}

function emptyStats(): DirectionStats {
  return { received: 0, receivedBytes: 0, dropped: 0, queueDrops: 0, duplicated: 0, corrupted: 0, forwarded: 0, forwardedBytes: 0, reordered: 0, sendErrors: 0 };
}

function validate(name: string, p: Impairment): void {
  for (const key of ['loss', 'duplicate', 'corrupt'] as const) {
    const v = p[key];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`${name}.${key} must be in [0, 1], got ${v}`);
  }
  for (const key of ['delayMs', 'jitterMs', 'rateBytesPerSec', 'queueBytes'] as const) {
    const v = p[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name}.${key} must be a finite number ≥ 0, got ${v}`);
  }
}

/** One direction: the impairment draws, the delay heap and its single timer. */
class Direction {
  readonly stats = emptyStats();
  private readonly heap: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private order = 0;
  private seqIn = 0;
  private maxSeqOut = -1;
  /** When the bottleneck finishes serialising what is already queued (ms, performance.now()). */
  private linkFreeAt = 0;
  private closed = false;

  constructor(private profile: Impairment, private readonly rng: Rng) {}

  set(profile: Impairment): void {
    this.profile = { ...profile };
  }

  get impairment(): Impairment {
    return { ...this.profile };
  }

  /** A datagram arrived on this direction's ingress: impair it and send it out of `out` to address:port. */
  ingress(data: Buffer, out: Socket, port: number, address: string): void {
    if (this.closed) return;
    const p = this.profile;
    const seq = this.seqIn++;
    this.stats.received++;
    this.stats.receivedBytes += data.length;
    if (p.loss && this.rng.next() < p.loss) {
      this.stats.dropped++;
      return;
    }
    const now = performance.now();
    let base = now;
    if (p.rateBytesPerSec && p.rateBytesPerSec > 0) {
      const limit = p.queueBytes ?? 256 * 1024;
      // bytes still waiting to be serialised = backlog time × rate
      const backlog = Math.max(0, this.linkFreeAt - now) * (p.rateBytesPerSec / 1000);
      if (backlog + data.length > limit) {
        this.stats.queueDrops++;
        return;
      }
      this.linkFreeAt = Math.max(now, this.linkFreeAt) + (data.length * 1000) / p.rateBytesPerSec;
      base = this.linkFreeAt;
    }
    const copies = p.duplicate && this.rng.next() < p.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      const due = base + (p.delayMs ?? 0) + (p.jitterMs ? this.rng.next() * p.jitterMs : 0);
      // dgram hands us a fresh Buffer per message; the duplicate gets its own copy
      const copy = c === 0 ? data : Buffer.from(data);
      if (p.corrupt && copy.length > 0 && this.rng.next() < p.corrupt) {
        copy[this.rng.int(copy.length)]! ^= 1 + this.rng.int(255);
        this.stats.corrupted++;
      }
      const item: Pending = { due, order: this.order++, seq, data: copy, port, address, out };
      if (due <= now && this.heap.length === 0) this.send(item);
      else this.push(item);
    }
    this.arm();
  }

  private send(item: Pending): void {
    if (item.seq < this.maxSeqOut) this.stats.reordered++;
    else this.maxSeqOut = item.seq;
    this.stats.forwarded++;
    this.stats.forwardedBytes += item.data.length;
    try {
      item.out.send(item.data, item.port, item.address, (err) => {
        if (err) this.stats.sendErrors++;
      });
    } catch {
      // socket closed underneath us (close() raced a flush)
      this.stats.sendErrors++;
    }
  }

  private flush = (): void => {
    this.timer = undefined;
    this.timerDue = Infinity;
    if (this.closed) return;
    const now = performance.now();
    // bounded: at most what is queued now (no new items are pushed during the loop)
    let n = this.heap.length;
    while (n-- > 0 && this.heap.length > 0 && this.heap[0]!.due <= now + 0.5) this.send(this.pop()!);
    this.arm();
  };

  private arm(): void {
    if (this.closed || this.heap.length === 0) return;
    const due = this.heap[0]!.due;
    if (this.timer && due >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(this.flush, Math.max(0, due - performance.now()));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
  }

  get queued(): number {
    return this.heap.length;
  }

  // binary min-heap on (due, order): equal due times leave in arrival order
  private less(a: Pending, b: Pending): boolean {
    return a.due < b.due || (a.due === b.due && a.order < b.order);
  }

  private push(item: Pending): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Pending | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

interface ClientEntry {
  address: string;
  port: number;
  upstream: Socket;
}

export class UdpRelay {
  /** The port the relay listens on (give it to the client as its remote address). */
  readonly port: number;
  readonly host: string;
  private readonly upDir: Direction;
  private readonly downDir: Direction;
  private readonly clients = new Map<string, ClientEntry>();
  private ignoredClients = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly listener: Socket,
    private readonly options: Required<Pick<UdpRelayOptions, 'sockbuf' | 'maxClients'>> & { targetHost: string; targetPort: number; recordUp?: (datagram: Buffer) => void },
    seed: number,
    up: Impairment,
    down: Impairment,
  ) {
    const a = listener.address();
    this.port = a.port;
    this.host = a.address;
    this.upDir = new Direction(up, new Rng(seed));
    this.downDir = new Direction(down, new Rng((seed ^ 0x9e3779b9) >>> 0));
    listener.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
  }

  /** Bind the relay; resolves once it is listening. */
  static async start(options: UdpRelayOptions): Promise<UdpRelay> {
    const up = { ...(options.up ?? {}) };
    const down = { ...(options.down ?? {}) };
    validate('up', up);
    validate('down', down);
    const host = options.host ?? '127.0.0.1';
    const sockbuf = options.sockbuf ?? 4 * 1024 * 1024;
    const listener = createSocket({ type: 'udp4', recvBufferSize: sockbuf, sendBufferSize: sockbuf });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.bind(options.port ?? 0, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    listener.on('error', () => {}); // ICMP errors on an unconnected socket are not fatal to a relay
    return new UdpRelay(
      listener,
      { sockbuf, maxClients: options.maxClients ?? 64, targetHost: options.target.host ?? '127.0.0.1', targetPort: options.target.port, recordUp: options.recordUp },
      options.seed ?? 1,
      up,
      down,
    );
  }

  /** Counters per direction: up = client → server, down = server → client. Copies, not live views. */
  get stats(): { up: DirectionStats; down: DirectionStats; clients: number; ignoredClients: number; queued: number } {
    return { up: { ...this.upDir.stats }, down: { ...this.downDir.stats }, clients: this.clients.size, ignoredClients: this.ignoredClients, queued: this.upDir.queued + this.downDir.queued };
  }

  /** Change a direction's impairment from now on (datagrams already queued keep their due time). */
  set(direction: 'up' | 'down' | 'both', profile: Impairment): void {
    validate(direction, profile);
    if (direction !== 'down') this.upDir.set(profile);
    if (direction !== 'up') this.downDir.set(profile);
  }

  private fromClient(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let entry = this.clients.get(key);
    if (!entry) {
      if (this.closing) return;
      if (this.clients.size >= this.options.maxClients) {
        this.ignoredClients++;
        return;
      }
      const upstream = createSocket({ type: 'udp4', recvBufferSize: this.options.sockbuf, sendBufferSize: this.options.sockbuf });
      upstream.on('error', () => {});
      const e: ClientEntry = { address: rinfo.address, port: rinfo.port, upstream };
      upstream.on('message', (reply, from) => {
        // only the server may speak back through this mapping
        if (from.port !== this.options.targetPort) return;
        this.downDir.ingress(reply, this.listener, e.port, e.address);
      });
      // bind synchronously-enough: dgram queues sends issued before the implicit bind completes
      upstream.bind(0, this.host === '0.0.0.0' ? '127.0.0.1' : this.host);
      this.clients.set(key, e);
      entry = e;
    }
    this.options.recordUp?.(Buffer.from(msg));
    this.upDir.ingress(msg, entry.upstream, this.options.targetPort, this.options.targetHost);
  }

  /**
   * Send `datagrams` to the server again through every client's upstream socket, unimpaired: to
   * the server they come from the address of a session it already has (a replay or a duplicate
   * from a session's own address). Resolves once the sockets have taken them.
   */
  async replayUp(datagrams: readonly Buffer[]): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const c of this.clients.values()) {
      for (const d of datagrams) sends.push(new Promise<void>((resolve) => c.upstream.send(d, this.options.targetPort, this.options.targetHost, () => resolve())));
    }
    await Promise.all(sends);
  }

  /** Stop everything: both timers, the listener and every upstream socket. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.upDir.close();
    this.downDir.close();
    const sockets = [this.listener, ...[...this.clients.values()].map((c) => c.upstream)];
    this.closing = Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            try {
              s.close(() => resolve());
            } catch {
              resolve(); // already closed
            }
          }),
      ),
    )
      // libuv releases closed handles in its close phase, after the 'close' events: one timer turn later they are gone
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    return this.closing;
  }
}

/** Start a relay in front of `target` (convenience for tests). */
export function startUdpRelay(options: UdpRelayOptions): Promise<UdpRelay> {
  return UdpRelay.start(options);
}
