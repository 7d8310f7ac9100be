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
import { Snmp, SnmpPeriod } from '@kcptunb/snmp';
import type { FromShard, SessionRings, SessionSettings, ShardTask, ToShard } from './protocol.js';
import runShard from './shard.js';
import { reusePortSupported } from './udp.js';
import type { ForwardRings } from './forwarding.js';

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

/**
 * Events: 'accepted' (AcceptedSession), 'closed' ({ shard, id, reason }), 'log' (string).
 * Session ids are per shard; (shard, id) names a session.
 */
export class DataPlane extends EventEmitter {
  private readonly shardHandles: ShardHandle[] = [];
  private readonly dials = new Map<string, Pending<string>>();
  private readonly listenWaiters = new Map<number, Pending<{ address: string; port: number }>>();
  /** Server sessions running on another shard than the listener's: id → listener shard. */
  private readonly forwarded = new Map<number, number>();

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
    const run = this.pool ? (this.pool.run(task, { transferList: [port2] as never }) as Promise<void>) : runShard(task);
    const handle: ShardHandle = { index, port: port1, snmp: new SnmpPeriod(new Snmp(snmpBuffer)), task: run };
    run.catch((e: Error) => this.emit('log', `shard ${index} failed: ${e.stack ?? e.message}`));
    port1.on('message', (m: FromShard) => this.onMessage(handle, m));
    this.shardHandles.push(handle);
  }

  private onMessage(shard: ShardHandle, m: FromShard): void {
    switch (m.type) {
      case 'dialed':
        this.dials.get(`${shard.index}:${m.id}`)?.resolve(m.local);
        this.dials.delete(`${shard.index}:${m.id}`);
        break;
      case 'dial-failed':
        this.dials.get(`${shard.index}:${m.id}`)?.reject(new Error(m.error));
        this.dials.delete(`${shard.index}:${m.id}`);
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
          this.send(m.owner, { type: 'adopt', id: m.id, conv: m.conv, rings: m.rings });
        }
        this.emit('accepted', { shard: m.owner, id: m.id, remote: m.remote, conv: m.conv, rings: m.rings } satisfies AcceptedSession);
        break;
      case 'closed':
        this.forgetForwarded(m.id);
        this.emit('closed', { shard: shard.index, id: m.id, reason: m.reason });
        break;
      case 'log':
        this.emit('log', m.message);
        break;
    }
  }

  private send(shard: number, m: ToShard): void {
    this.shardHandles[shard]!.port.postMessage(m);
  }

  /** Open a client session on `shard` towards host:port; resolves with its rings and local address. */
  async dial(shard: number, id: number, host: string, port: number, conv: number, settings: SessionSettings, ringBytes: number): Promise<{ rings: SessionRings; local: string }> {
    const rings: SessionRings = { toShard: RingBuffer.create(ringBytes), toControl: RingBuffer.create(ringBytes) };
    const local = await new Promise<string>((resolve, reject) => {
      this.dials.set(`${shard}:${id}`, { resolve, reject });
      this.send(shard, { type: 'dial', id, host, port, conv, settings, rings });
    });
    return { rings, local };
  }

  /**
   * Bind the server's UDP port. With SO_REUSEPORT (Node ≥ 22.12) every shard
   * binds its own socket on the same port and the kernel spreads clients over
   * them by address hash; otherwise shard 0 alone listens (Node 20 cannot
   * share a UDP port between threads). `maxSessions` is per listening shard.
   */
  async listen(host: string, port: number, settings: SessionSettings, maxSessions: number, ringBytes: number): Promise<{ address: string; port: number }> {
    const reusePort = reusePortSupported() && this.shardHandles.length > 1;
    let forwards: Array<{ owner: number; rings: ForwardRings }> = [];
    if (!reusePort && this.shardHandles.length > 1) {
      // Node < 22.12: shard 0 keeps the socket and forwards sessions to the others
      forwards = this.shardHandles.slice(1).map((s) => ({ owner: s.index, rings: { ingress: RingBuffer.create(FORWARD_RING_BYTES), egress: RingBuffer.create(FORWARD_RING_BYTES) } }));
      for (const f of forwards) this.send(f.owner, { type: 'serve-forwarded', rings: f.rings, settings });
    }
    const first = await this.listenOn(0, host, port, settings, maxSessions, ringBytes, reusePort, forwards);
    if (reusePort) {
      await Promise.all(this.shardHandles.slice(1).map((s) => this.listenOn(s.index, host, first.port, settings, maxSessions, ringBytes, true)));
    }
    return first;
  }

  /** How many shards share the server port (1 without SO_REUSEPORT). */
  listeningShards(): number {
    return reusePortSupported() ? this.shardHandles.length : 1;
  }

  private listenOn(shard: number, host: string, port: number, settings: SessionSettings, maxSessions: number, ringBytes: number, reusePort: boolean, forwards: Array<{ owner: number; rings: ForwardRings }> = []): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.listenWaiters.set(shard, { resolve, reject });
      this.send(shard, { type: 'listen', host, port, settings, maxSessions, ringBytes, reusePort, forwards });
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

  /** Sum of every shard's SNMP counters since the last `resetSnmp()`. */
  snmp(): Snmp {
    const total = new Snmp();
    for (const s of this.shardHandles) s.snmp.addRowTo(total);
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
    for (const s of this.shardHandles) s.port.postMessage({ type: 'shutdown' } satisfies ToShard);
    await Promise.allSettled(this.shardHandles.map((s) => s.task));
    for (const s of this.shardHandles) s.port.close();
    await this.pool?.destroy();
  }
}
