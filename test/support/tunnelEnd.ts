/**
 * One end of a tunnel on the simulator's virtual clock, built from the production shells:
 *
 *   AppSocket ⇄ StreamRelay ⇄ SmuxSession ⇄ SessionLink ⇄ rings ⇄ ShardSession ⇄ LossyLink
 *
 * Everything between the model application and the simulated network is the code the processes
 * run: the relays, the smux link and the shard session, over real SharedArrayBuffer rings, run
 * by production RunQueues (one for the control thread's links, one for the shard). Only the edge
 * is the simulator's: instead of setImmediate, timers and doorbell sleeps, `tick(now)` runs the
 * queues and checks the rings' conditions between events, on one thread. A shell that forgets to
 * ask for a run (a lost wake-up) therefore stalls here as it would in a process.
 */
import { applyMode, DEFAULT_KCP_CONFIG } from '@kcptunb/kcp';
import { SessionLink, StreamRelay, RING_BYTES } from '@kcptunb/control';
import type { FromShard, SessionRings, SessionSettings } from '@kcptunb/dataplane';
import { SessionRegistry, type ShardSession } from '@kcptunb/dataplane/shell';
import { RingBuffer } from '@kcptunb/ring';
import { RunQueue, type Runnable } from '@kcptunb/scheduler';
import { SmuxSession, type SmuxConfig, type SmuxError, type SmuxRole, type SmuxStream } from '@kcptunb/smux';
import { Snmp } from '@kcptunb/snmp';
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import { AppSocket, type AppOptions } from './appSocket.js';
import type { LossyLink } from './lossyLink.js';
import type { SimEndpoint } from './simulation.js';

/** Rounds of (applications, queues, ring checks) per tick before time must move on. */
const MAX_ROUNDS = 512;

export interface TunnelEndOptions {
  role: SmuxRole;
  kernels: Kernels;
  conv: number;
  /** What the shard session runs with (KCP, FEC, crypt, compression). */
  settings: SessionSettings;
  /** Where this end's datagrams go. */
  link: LossyLink;
  smux?: Partial<SmuxConfig>;
  /** Virtual time of the session's creation (its first NOP). */
  startMs?: number;
  /** Bytes per ring direction (default: the production size). */
  ringBytes?: number;
  /** Client: streams opened at the first tick. */
  streamsToOpen?: number;
  /** The applications at this end (one per stream); `seed` is offset per stream. */
  app: AppOptions;
  /** A shard shared with other ends (sessions of one shard); default: this end's own. */
  shard?: SimShard;
  /** Every byte smux receives, for wire inspection. */
  onSmuxInput?: (bytes: Uint8Array) => void;
  /** Sees every sealed batch before it goes on the link. */
  onTransmit?: (batch: DatagramBatch) => void;
}

export interface TunnelEndStats {
  /** Ticks that ended with received bytes waiting in the ring while smux had no budget for them. */
  inputPaused: number;
  /** Most bytes smux held unread at the end of a tick. */
  maxBufferedBytes: number;
}

export class TunnelEnd implements SimEndpoint {
  readonly smux: SmuxSession;
  readonly link: SessionLink;
  /** This end's KCP session in its shard. */
  readonly shard: ShardSession;
  /** The shard it runs on (its registry and run queue). */
  readonly simShard: SimShard;
  readonly rings: SessionRings;
  readonly controlQueue = new RunQueue<Runnable>();
  /** The application of every stream, by stream id. */
  readonly apps = new Map<number, AppSocket>();
  readonly stats: TunnelEndStats = { inputPaused: 0, maxBufferedBytes: 0 };
  /** Why smux ended, if it did (null: closed locally). */
  smuxEnd: SmuxError | null | undefined;
  private readonly relays = new Map<SmuxStream, StreamRelay>();
  private started = false;
  private now: number;

  constructor(private readonly o: TunnelEndOptions) {
    this.now = o.startMs ?? 0;
    const ringBytes = o.ringBytes ?? RING_BYTES;
    this.rings = { toShard: RingBuffer.create(ringBytes), toControl: RingBuffer.create(ringBytes) };
    this.simShard = o.shard ?? new SimShard(o.kernels);
    this.shard = this.simShard.registry.open({
      id: this.simShard.nextId++,
      conv: o.conv,
      settings: o.settings,
      rings: this.rings,
      passive: o.role === 'server',
      transmit: (batch) => {
        o.onTransmit?.(batch);
        for (let i = 0; i < batch.count; i++) o.link.send(batch.view(i), this.now);
      },
    });
    this.smux = new SmuxSession({ role: o.role, now: this.now, config: o.smux });
    if (o.onSmuxInput) {
      const input = this.smux.input.bind(this.smux);
      const tap = o.onSmuxInput;
      this.smux.input = (bytes, now) => {
        tap(bytes);
        input(bytes, now);
      };
    }
    this.link = new SessionLink(
      this.smux,
      this.rings,
      {
        onAccepted: (stream) => this.attach(stream),
        onReadable: (stream) => this.relays.get(stream)?.readable(),
        onWritable: (stream) => this.relays.get(stream)?.writable(),
        onClosed: (error) => {
          this.smuxEnd = error;
          for (const relay of [...this.relays.values()]) relay.finish();
        },
      },
      this.controlQueue,
    );
  }

  // ---- SimEndpoint -------------------------------------------------------------------------------

  input(datagram: Uint8Array, now: number): void {
    this.now = now;
    this.simShard.registry.deliver(this.shard, datagram, now);
  }

  tick(now: number): void {
    this.now = now;
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < (this.o.streamsToOpen ?? 0); i++) this.attach(this.smux.openStream(now));
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let moved = false;
      for (const app of this.apps.values()) moved = app.tick(now) || moved;
      if (this.controlQueue.hasDirty || this.simShard.queue.hasDirty || this.due(now)) {
        this.controlQueue.runDue(now);
        this.simShard.runDue(now);
        moved = true;
      }
      // the doorbell: a shell waiting on a ring whose condition now holds runs again
      moved = this.controlQueue.markRingWaitsMet() || moved;
      moved = this.simShard.queue.markRingWaitsMet() || moved;
      if (!moved) break;
    }
    if (!this.smux.wantsInput && RingBuffer.unreadBytes(this.rings.toControl) > 0) this.stats.inputPaused++;
    this.stats.maxBufferedBytes = Math.max(this.stats.maxBufferedBytes, this.smux.bufferedBytes);
  }

  nextWakeAt(now: number): number {
    let at = Math.min(this.controlQueue.nextWakeAt(now), this.simShard.queue.nextWakeAt(now));
    for (const app of this.apps.values()) at = Math.min(at, app.nextWakeAt(now));
    return at;
  }

  // ---- results -----------------------------------------------------------------------------------

  /** The SNMP counters of this end's shard. */
  get snmp(): Snmp {
    return this.simShard.snmp;
  }

  /** Streams whose application saw the tunnel end the connection. */
  get endedCount(): number {
    let n = 0;
    for (const app of this.apps.values()) if (app.endedByTunnel) n++;
    return n;
  }

  /** Every application has written and received `bytesPerStream` bytes. */
  get transferComplete(): boolean {
    for (const app of this.apps.values()) if (!app.done) return false;
    return true;
  }

  /** Release kernel memory and close the rings. */
  dispose(): void {
    this.link.close();
    this.simShard.registry.close(this.shard.id, 'disposed', false);
  }

  private due(now: number): boolean {
    return this.controlQueue.nextWakeAt(now) <= now || this.simShard.queue.nextWakeAt(now) <= now;
  }

  /** A stream opened here or by the peer gets an application behind a production relay. */
  private attach(stream: SmuxStream): void {
    const app = new AppSocket({ ...this.o.app, seed: this.o.app.seed * 1000 + stream.id }, this.now);
    const relay = new StreamRelay({
      socket: app,
      stream,
      requestRun: () => this.link.schedule(),
      onDone: (r) => this.relays.delete(r.stream),
    });
    app.relay = relay;
    this.apps.set(stream.id, app);
    if (!relay.finished) this.relays.set(stream, relay);
  }
}

/**
 * A data-plane shard on the simulator: the production SessionRegistry over a RunQueue, with the
 * simulator as its edge (it runs the queue and hands back what ran, as the shard's
 * RealtimeDriver does).
 */
export class SimShard {
  readonly queue = new RunQueue<ShardSession>();
  readonly snmp = new Snmp();
  readonly registry: SessionRegistry;
  /** What the shard told the control thread (closed sessions, logs). */
  readonly messages: FromShard[] = [];
  nextId = 1;

  constructor(kernels: Kernels) {
    this.registry = new SessionRegistry(kernels, this.snmp, this.queue, (m) => this.messages.push(m));
  }

  runDue(now: number): void {
    this.registry.retireClosed(this.queue.runDue(now));
  }
}

export interface SimSettingsSpec {
  crypt: string;
  key: Uint8Array;
  compress: boolean;
  /** KCP mode profile (default fast). */
  mode?: string;
  sndWnd?: number;
  rcvWnd?: number;
  dataShards?: number;
  parityShards?: number;
}

/** Shard settings for a simulated end (socket options do not apply on the simulated link). */
export function simSettings(s: SimSettingsSpec): SessionSettings {
  const kcp = applyMode({ ...DEFAULT_KCP_CONFIG, sndWnd: s.sndWnd ?? 1024, rcvWnd: s.rcvWnd ?? 1024 }, s.mode ?? 'fast');
  return {
    kcp: { mtu: kcp.mtu, sndWnd: kcp.sndWnd, rcvWnd: kcp.rcvWnd, nodelay: kcp.nodelay, interval: kcp.interval, resend: kcp.resend, nc: kcp.nc, ackNoDelay: kcp.ackNoDelay },
    fec: { dataShards: s.dataShards ?? 10, parityShards: s.parityShards ?? 3 },
    crypt: { method: s.crypt, key: s.key },
    compression: s.compress,
    socket: { sockBuf: 4 << 20, dscp: 0 },
  };
}
