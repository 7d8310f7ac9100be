/**
 * The sessions of one shard: creates them, puts them on the shard's run queue, counts them in
 * SNMP and retires them. Whoever owns a session's transport (a client socket, the server
 * listener, a forwarding link) passes a `retire` callback that releases it. Pure: the edge that
 * runs the queue (the shard's RealtimeDriver, or the simulator) hands back what it ran through
 * `retireClosed`.
 */
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import type { RunQueue } from '@kcptunb/scheduler';
import { S, type Snmp } from '@kcptunb/snmp';
import type { FromShard, SessionRings, SessionSettings } from './protocol.js';
import type { ReplayFilter } from './replayFilter.js';
import { ShardSession } from './shardSession.js';
import { sessionFigures, type SessionFigures } from './sessionFigures.js';

export interface OpenSession {
  id: number;
  conv: number;
  settings: SessionSettings;
  rings: SessionRings;
  transmit: (batch: DatagramBatch) => void;
  /** Server side: counted as a passive open, and replaced when its address starts a new conv. */
  passive: boolean;
  /** Releases the session's transport once it ends. */
  retire?: () => void;
  /**
   * Called once neither thread uses the session's rings any more: the session ended here and the
   * control thread closed its ends (its `close` arrived). Rings can then be reused (RingPool).
   */
  releaseRings?: () => void;
  /** Server sessions: the shard's replay filter, and the opening nonce the listener entered in it. */
  replay?: ReplayFilter;
  openingNonce?: Uint8Array;
  /** The peer's `host:port`, for the session's figures. */
  remote?: string;
}

/** Sessions ended here whose control side has not said `close` yet, at most (oldest forgotten). */
const MAX_AWAITING_CONTROL = 4096;

export class SessionRegistry {
  private readonly sessions = new Map<number, { session: ShardSession; retire: (() => void) | undefined; releaseRings: (() => void) | undefined; remote: string }>();
  /** Ended here, rings still open on the control thread: id → releaseRings. */
  private readonly awaitingControl = new Map<number, () => void>();

  constructor(
    private readonly kernels: Kernels,
    private readonly snmp: Snmp,
    private readonly queue: RunQueue<ShardSession>,
    private readonly post: (message: FromShard) => void,
  ) {}

  /** After a run: a session that closed itself (peer restart, ring closed, snappy error) is retired at once. */
  retireClosed(ran: readonly ShardSession[]): void {
    for (const s of ran) if (s.closed) this.close(s.id, s.closeReason, true);
  }

  open(o: OpenSession): ShardSession {
    const session = new ShardSession({
      kernels: this.kernels,
      id: o.id,
      conv: o.conv,
      settings: o.settings,
      rings: o.rings,
      transmit: o.transmit,
      snmp: this.snmp,
      replaceOnNewConv: o.passive,
      watchSilence: !o.passive,
      replay: o.replay,
      openingNonce: o.openingNonce,
    });
    this.sessions.set(o.id, { session, retire: o.retire, releaseRings: o.releaseRings, remote: o.remote ?? '' });
    const v = this.snmp.values;
    v[o.passive ? S.PassiveOpens : S.ActiveOpens]!++;
    v[S.CurrEstab]!++;
    if (v[S.CurrEstab]! > v[S.MaxConn]!) v[S.MaxConn] = v[S.CurrEstab]!;
    this.queue.add(session);
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Every live session's figures (`shard`: this shard's index, as the control thread names it). */
  figures(shard: number): SessionFigures[] {
    const out: SessionFigures[] = [];
    for (const e of this.sessions.values()) if (!e.session.closed) out.push(sessionFigures(shard, e.remote, e.session));
    return out;
  }

  get(id: number): ShardSession | undefined {
    return this.sessions.get(id)?.session;
  }

  /** A datagram for `session` arrived: queue it and run the session this turn. */
  deliver(session: ShardSession, datagram: Uint8Array, now: number): void {
    session.receive(datagram, now);
    this.queue.markDirty(session);
  }

  /** A batch for `session` arrived (client sockets: all of it is the session's): decrypted in place, run this turn. */
  deliverBatch(session: ShardSession, batch: DatagramBatch, now: number): void {
    session.receiveBatch(batch, now);
    this.queue.markDirty(session);
  }

  /** End a session; `notify` tells the control thread (not needed when it asked for the close). */
  close(id: number, reason: string, notify: boolean): void {
    const entry = this.sessions.get(id);
    if (!entry) {
      // the control thread's close of a session that had already ended here: its rings are free
      if (!notify) this.takeAwaiting(id)?.();
      return;
    }
    this.sessions.delete(id);
    entry.session.close(reason);
    this.queue.delete(entry.session);
    this.snmp.values[S.CurrEstab]!--;
    entry.retire?.();
    if (notify) {
      if (entry.releaseRings) this.awaitControl(id, entry.releaseRings);
      this.post({ type: 'closed', id, reason });
    } else entry.releaseRings?.();
  }

  private awaitControl(id: number, releaseRings: () => void): void {
    if (this.awaitingControl.size >= MAX_AWAITING_CONTROL) {
      // the oldest is left to the garbage collector
      this.awaitingControl.delete(this.awaitingControl.keys().next().value!);
    }
    this.awaitingControl.set(id, releaseRings);
  }

  private takeAwaiting(id: number): (() => void) | undefined {
    const release = this.awaitingControl.get(id);
    this.awaitingControl.delete(id);
    return release;
  }

  closeAll(reason: string): void {
    for (const id of [...this.sessions.keys()]) this.close(id, reason, false);
    this.awaitingControl.clear();
  }
}
