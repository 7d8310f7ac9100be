/**
 * Rates from successive `stats()` snapshots: bytes per second each way, retransmissions and
 * FEC recoveries per second, per session and per shard, and each shard thread's event-loop
 * load. A rate needs two snapshots: the first one a sampler takes (and a session's first
 * appearance) has rate 0.
 */
import type { SessionStats, ShardStats, TunnelStats } from '../runtime/stats.js';

export interface SessionRates {
  /** Bytes per second handed to KCP (send) and taken out of it (receive). */
  sendBytesPerSec: number;
  receiveBytesPerSec: number;
  /** On the wire, after crypt and FEC. */
  wireSendBytesPerSec: number;
  wireReceiveBytesPerSec: number;
  retransmitsPerSec: number;
  fecRecoveredPerSec: number;
}

export interface ShardRates extends SessionRates {
  /** Busy fraction of the shard thread's event loop since the last sample, 0–1. */
  load: number;
}

export interface Sample {
  stats: TunnelStats;
  /** Seconds since the previous sample (0 for the first). */
  intervalSec: number;
  /** By `sessionLabel`. */
  sessions: Map<string, SessionRates>;
  shards: ShardRates[];
}

/** A session's name in metrics and charts: shard, id and conv (an id is per shard, a conv is random). */
export function sessionLabel(s: Pick<SessionStats, 'shard' | 'id' | 'conv'>): string {
  return `${s.shard}:${s.id}:${s.conv}`;
}

const ZERO: SessionRates = Object.freeze({ sendBytesPerSec: 0, receiveBytesPerSec: 0, wireSendBytesPerSec: 0, wireReceiveBytesPerSec: 0, retransmitsPerSec: 0, fecRecoveredPerSec: 0 });

export class StatsSampler {
  private previous: TunnelStats | undefined;
  private previousSessions = new Map<string, SessionStats>();

  constructor(private readonly take: () => Promise<TunnelStats>) {}

  async sample(): Promise<Sample> {
    const stats = await this.take();
    const before = this.previous;
    const dt = before ? Math.max(0.001, (stats.at - before.at) / 1000) : 0;
    const sessions = new Map<string, SessionRates>();
    const current = new Map<string, SessionStats>();
    for (const s of stats.sessions) {
      const key = sessionLabel(s);
      current.set(key, s);
      const was = this.previousSessions.get(key);
      sessions.set(key, was && dt > 0 ? sessionRates(s, was, dt) : ZERO);
    }
    const shards = stats.shards.map((sh) => shardRates(sh, before?.shards[sh.index], dt));
    this.previous = stats;
    this.previousSessions = current;
    return { stats, intervalSec: dt, sessions, shards };
  }
}

const rate = (now: number, then: number, dt: number) => Math.max(0, now - then) / dt;

function sessionRates(s: SessionStats, was: SessionStats, dt: number): SessionRates {
  return {
    sendBytesPerSec: rate(s.bytesSent, was.bytesSent, dt),
    receiveBytesPerSec: rate(s.bytesReceived, was.bytesReceived, dt),
    wireSendBytesPerSec: rate(s.wireBytesSent, was.wireBytesSent, dt),
    wireReceiveBytesPerSec: rate(s.wireBytesReceived, was.wireBytesReceived, dt),
    retransmitsPerSec: rate(s.retransmits, was.retransmits, dt),
    fecRecoveredPerSec: rate(s.fecRecovered, was.fecRecovered, dt),
  };
}

function shardRates(sh: ShardStats, was: ShardStats | undefined, dt: number): ShardRates {
  if (!was || dt === 0) return { ...ZERO, load: 0 };
  const a = sh.snmp;
  const b = was.snmp;
  let load = 0;
  if (sh.eventLoop && was.eventLoop) {
    const active = sh.eventLoop.activeMs - was.eventLoop.activeMs;
    const total = active + sh.eventLoop.idleMs - was.eventLoop.idleMs;
    load = total > 0 ? Math.min(1, Math.max(0, active / total)) : 0;
  }
  return {
    sendBytesPerSec: rate(a.BytesSent, b.BytesSent, dt),
    receiveBytesPerSec: rate(a.BytesReceived, b.BytesReceived, dt),
    wireSendBytesPerSec: rate(a.OutBytes, b.OutBytes, dt),
    wireReceiveBytesPerSec: rate(a.InBytes, b.InBytes, dt),
    retransmitsPerSec: rate(a.RetransSegs, b.RetransSegs, dt),
    fecRecoveredPerSec: rate(a.FECRecovered, b.FECRecovered, dt),
    load,
  };
}
