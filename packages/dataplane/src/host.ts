/**
 * The control thread's handle on the data plane: starts one piscina worker per
 * shard, each running one long-lived shard task, and routes control messages.
 * Payload bytes never pass through here — only the session rings are created
 * (client side) or received (server side) and handed to the caller.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { RingBuffer } from '@kcptunb/ring';
import { S, Snmp, SnmpPeriod } from '@kcptunb/snmp';
import { sessionKey, type DialRequest, type FromShard, type ListenRequest, type SessionRings, type SessionSettings, type ShardTask, type ToShard } from './protocol.js';
import type { AdmissionSettings } from './admission.js';
import type { EventLoopFigures, SessionFigures, ShardFigures } from './sessionFigures.js';
import { reusePortSupported, sessionSocketLimit } from './udp.js';

/** Datagram ring size in each direction between the listener shard and another shard. */
const FORWARD_RING_BYTES = 8 << 20;

export interface DataPlaneOptions {
  shards: number;
  kernelVariant?: 'simd' | 'scalar';
  /**
   * Run the one shard on the control thread instead of a worker (KCPTUNB_SHARDS=0):
   * no cross-thread wake-ups, for machines where the client or server shares two
   * cores with everything else and latency matters more than throughput.
   */
  inline?: boolean;
}

/**
 * V8 heap limits of a shard worker. The young generation is what a busy data plane churns (a
 * Buffer or view per chunk, closures per ring wait); left at V8's default it grows to tens of MiB
 * per isolate. 3 MiB = two 1 MiB semi-spaces and the large-object space, what the CLI's
 * `--max-semi-space-size=1` gives every isolate (that process-wide flag wins over this limit; a
 * library user's process gets this one). `KCPTUNB_WORKER_YOUNG_MB` overrides (0 = V8's default).
 */
function workerLimits(): { maxYoungGenerationSizeMb?: number } {
  const mb = Number(process.env.KCPTUNB_WORKER_YOUNG_MB ?? 3);
  return Number.isFinite(mb) && mb > 0 ? { maxYoungGenerationSizeMb: mb } : {};
}

interface ShardHandle {
  index: number;
  port: MessagePort;
  /** The shard's counters, which only its worker writes. */
  snmp: SnmpPeriod;
  task: Promise<void>;
}

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

export interface AcceptedSession {
  shard: number;
  id: number;
  remote: string;
  conv: number;
  rings: SessionRings;
}

/** A session the data plane ended (peer restart, ring closed, snappy error, …). */
export interface ClosedSession {
  shard: number;
  id: number;
  reason: string;
}

/** The data plane's events and their payloads. Session ids are per shard; (shard, id) names a session. */
export interface DataPlaneEvents {
  accepted: [session: AcceptedSession];
  closed: [session: ClosedSession];
  log: [line: string];
}

/** A client session to open: where to, with which conv and settings, on which shard. */
export interface DialOptions {
  shard: number;
  id: number;
  host: string;
  port: number;
  conv: number;
  settings: SessionSettings;
  ringBytes: number;
}

/** The server's UDP port and what its sessions run with. */
export interface ListenOptions {
  host: string;
  port: number;
  /** A port range `port`..`lastPort`: every shard that listens binds each port. */
  lastPort?: number;
  settings: SessionSettings;
  /** Session cap (per listening shard) and replay filter. */
  admission: AdmissionSettings;
  ringBytes: number;
}

export class DataPlane extends EventEmitter<DataPlaneEvents> {
  private readonly shardHandles: ShardHandle[] = [];
  private readonly dials = new Map<string, Pending<string>>();
  private readonly listenWaiters = new Map<number, Pending<{ address: string; port: number }>>();
  /** Server sessions running on another shard than the listener's: id → listener shard. */
  private readonly forwarded = new Map<number, number>();
  /** Pending `sessionStats()` answers, by request number. */
  private readonly statsWaiters = new Map<number, (sessions: SessionFigures[], eventLoop: EventLoopFigures) => void>();
  private nextStatsRequest = 1;
  private stopped = false;
  /** Counters the control thread keeps itself (its links' lost wake-ups), summed into `snmp()`. */
  readonly controlSnmp = new Snmp();

  private readonly pool: Piscina | undefined;

  private constructor(readonly options: DataPlaneOptions) {
    super();
    if (options.inline) return;
    this.pool = new Piscina({
      filename: fileURLToPath(new URL('./shard.js', import.meta.url)),
      minThreads: options.shards,
      maxThreads: options.shards,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      maxQueue: 0,
      resourceLimits: workerLimits(),
    });
  }

  static start(options: DataPlaneOptions): DataPlane {
    if (!Number.isInteger(options.shards) || options.shards < 1) throw new RangeError(`shards must be ≥ 1, got ${options.shards}`);
    const dp = new DataPlane(options);
    for (let index = 0; index < options.shards; index++) dp.startShard(index);
    return dp;
  }

  get shardCount(): number {
    return this.shardHandles.length;
  }

  private startShard(index: number): void {
    const { port1, port2 } = new MessageChannel();
    const snmpBuffer = new SharedArrayBuffer(Snmp.BYTES);
    const task: ShardTask = { shardId: index, port: port2, snmp: snmpBuffer, kernelVariant: this.options.kernelVariant };
    // inline: the shard code (snappy, KCP, FEC, kernels) is loaded only when it runs on this
    // thread; with workers the control thread never loads it (~15 MB less resident memory)
    const run = this.pool ? (this.pool.run(task, { transferList: [port2] as never }) as Promise<void>) : import('./shard.js').then((m) => m.default(task));
    const handle: ShardHandle = { index, port: port1, snmp: new SnmpPeriod(new Snmp(snmpBuffer)), task: run };
    run.catch((e: Error) => this.emit('log', `shard ${index} failed: ${e.stack ?? e.message}`));
    port1.on('message', (m: FromShard) => this.onMessage(handle, m));
    this.shardHandles.push(handle);
  }

  private onMessage(shard: ShardHandle, m: FromShard): void {
    switch (m.type) {
      case 'dialed':
        this.dials.get(sessionKey(shard.index, m.id))?.resolve(m.local);
        this.dials.delete(sessionKey(shard.index, m.id));
        break;
      case 'dial-failed':
        this.dials.get(sessionKey(shard.index, m.id))?.reject(new Error(m.error));
        this.dials.delete(sessionKey(shard.index, m.id));
        break;
      case 'listening':
        this.listenWaiters.get(shard.index)?.resolve({ address: m.address, port: m.port });
        this.listenWaiters.delete(shard.index);
        break;
      case 'listen-failed':
        this.listenWaiters.get(shard.index)?.reject(new Error(m.error));
        this.listenWaiters.delete(shard.index);
        break;
      case 'accepted':
        if (m.owner !== shard.index) {
          // accepted by the listener for another shard (forwarding, Node < 22.12)
          this.forwarded.set(m.id, shard.index);
          this.send(m.owner, { type: 'adopt', id: m.id, conv: m.conv, rings: m.rings, remote: m.remote });
        }
        this.emit('accepted', { shard: m.owner, id: m.id, remote: m.remote, conv: m.conv, rings: m.rings } satisfies AcceptedSession);
        break;
      case 'closed':
        this.forgetForwarded(m.id);
        this.emit('closed', { shard: shard.index, id: m.id, reason: m.reason });
        break;
      case 'stats':
        this.statsWaiters.get(m.request)?.(m.sessions, m.eventLoop);
        this.statsWaiters.delete(m.request);
        break;
      case 'log':
        this.emit('log', m.message);
        break;
    }
  }

  private send(shard: number, m: ToShard): void {
    this.shardHandles[shard]!.port.postMessage(m);
  }

  /** Open a client session; resolves with its rings and local address. */
  async dial(o: DialOptions): Promise<{ rings: SessionRings; local: string }> {
    const rings: SessionRings = { toShard: RingBuffer.create(o.ringBytes), toControl: RingBuffer.create(o.ringBytes) };
    const request: DialRequest = { id: o.id, host: o.host, port: o.port, conv: o.conv, settings: o.settings, rings };
    const local = await new Promise<string>((resolve, reject) => {
      this.dials.set(sessionKey(o.shard, o.id), { resolve, reject });
      this.send(o.shard, { type: 'dial', ...request });
    });
    return { rings, local };
  }

  /**
   * Bind the server's UDP port. With SO_REUSEPORT (Node ≥ 22.12) every shard
   * binds its own socket on the same port and the kernel spreads clients over
   * them by address hash; otherwise shard 0 alone listens (Node 20 cannot
   * share a UDP port between threads) and forwards sessions to the others.
   */
  async listen(o: ListenOptions): Promise<{ address: string; port: number }> {
    const reusePort = reusePortSupported() && this.shardHandles.length > 1;
    const forwarding = !reusePort && this.shardHandles.length > 1;
    const sessionSockets = forwarding ? 0 : sessionSocketLimit();
    const request: ListenRequest = { host: o.host, port: o.port, lastPort: o.lastPort, settings: o.settings, admission: o.admission, ringBytes: o.ringBytes, reusePort, sessionSockets };
    if (!reusePort && this.shardHandles.length > 1) {
      request.forwards = this.shardHandles.slice(1).map((s) => ({ owner: s.index, rings: { ingress: RingBuffer.create(FORWARD_RING_BYTES), egress: RingBuffer.create(FORWARD_RING_BYTES) } }));
      for (const f of request.forwards) this.send(f.owner, { type: 'serve-forwarded', rings: f.rings, settings: o.settings });
    }
    const first = await this.listenOn(0, request);
    if (reusePort) {
      await Promise.all(this.shardHandles.slice(1).map((s) => this.listenOn(s.index, { ...request, port: first.port })));
    }
    return first;
  }

  /** How many shards share the server port (1 without SO_REUSEPORT). */
  listeningShards(): number {
    return reusePortSupported() ? this.shardHandles.length : 1;
  }

  private listenOn(shard: number, request: ListenRequest): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.listenWaiters.set(shard, { resolve, reject });
      this.send(shard, { type: 'listen', ...request });
    });
  }

  closeSession(shard: number, id: number): void {
    this.send(shard, { type: 'close', id });
    this.forgetForwarded(id);
  }

  /** A forwarded session ended: its listener shard drops the address. */
  private forgetForwarded(id: number): void {
    const listener = this.forwarded.get(id);
    if (listener === undefined) return;
    this.forwarded.delete(id);
    this.send(listener, { type: 'forget', id });
  }

  /**
   * Every live session's figures, from each shard (a round trip to every worker; a shard that
   * does not answer within `timeoutMs` — stopping, or stuck — contributes none).
   */
  async sessionStats(timeoutMs = 2000): Promise<SessionFigures[]> {
    return (await this.shardStats(timeoutMs)).flatMap((s) => s.sessions);
  }

  /** Each shard's sessions' figures and its thread's event-loop load (as `sessionStats`). */
  shardStats(timeoutMs = 2000): Promise<ShardFigures[]> {
    const answers = this.shardHandles.map(
      (s) =>
        new Promise<ShardFigures>((resolve) => {
          const none: ShardFigures = { index: s.index, sessions: [], eventLoop: undefined };
          if (this.stopped) return resolve(none);
          const request = this.nextStatsRequest++;
          const timer = setTimeout(() => {
            this.statsWaiters.delete(request);
            resolve(none);
          }, timeoutMs);
          timer.unref();
          this.statsWaiters.set(request, (sessions, eventLoop) => {
            clearTimeout(timer);
            resolve({ index: s.index, sessions, eventLoop });
          });
          s.port.postMessage({ type: 'stats', request } satisfies ToShard);
        }),
    );
    return Promise.all(answers);
  }

  /**
   * Each shard's SNMP counters since it started (never reset by `resetSnmp()`: monotonic, as a
   * metrics scraper wants them); CurrEstab is a level, MaxConn the peak of the current period.
   */
  shardSnmpTotals(): Snmp[] {
    return this.shardHandles.map((s) => {
      const copy = new Snmp();
      copy.values.set(s.snmp.live.values);
      return copy;
    });
  }

  /** Sum of every shard's SNMP counters since the last `resetSnmp()`. */
  snmp(): Snmp {
    const total = new Snmp();
    for (const s of this.shardHandles) s.snmp.addRowTo(total);
    total.values[S.MissedWakeups]! += this.controlSnmp.values[S.MissedWakeups]!;
    return total;
  }

  /**
   * Start a new SNMP period on every shard (kcptunB's per-period rows) at the
   * values the last `snmp()` reported, without writing the counters the
   * workers add to, so no increment is lost. CurrEstab is a gauge and survives (MaxConn restarts from it), so it cannot
   * wrap below zero as kcptunB's does (docs/deviations.md).
   */
  resetSnmp(): void {
    for (const s of this.shardHandles) s.snmp.restart();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const resolve of this.statsWaiters.values()) resolve([], { activeMs: 0, idleMs: 0 });
    this.statsWaiters.clear();
    for (const s of this.shardHandles) s.port.postMessage({ type: 'shutdown' } satisfies ToShard);
    await Promise.allSettled(this.shardHandles.map((s) => s.task));
    for (const s of this.shardHandles) s.port.close();
    await this.pool?.destroy();
  }
}
