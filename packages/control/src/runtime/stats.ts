/**
 * A tunnel's figures at a moment: the SNMP counters of the process and of each data-plane
 * shard, and every live session's KCP figures with its open smux streams. What the metrics
 * endpoint, the dashboard and the library's `stats()` are built on.
 */
import { sessionKey, type DataPlane, type SessionFigures } from '@kcptunb/dataplane';
import type { Snmp, SnmpField } from '@kcptunb/snmp';

/** SNMP counters by name (kcptun's 24, then kcptunb's own: docs/deviations.md). */
export type SnmpCounters = Record<SnmpField, number>;

export interface ShardStats {
  index: number;
  /** Live sessions the shard runs. */
  sessions: number;
  /** The shard's counters since it started (monotonic; CurrEstab and MaxConn are levels). */
  snmp: SnmpCounters;
}

export interface SessionStats extends SessionFigures {
  /** Open smux streams of the session (0 when the control side no longer holds it). */
  openStreams: number;
}

export interface TunnelStats {
  side: 'client' | 'server';
  /** When the figures were taken (ms since the epoch). */
  at: number;
  /** Sum over the shards. */
  snmp: SnmpCounters;
  shards: ShardStats[];
  sessions: SessionStats[];
}

/** What the collector needs of a client or server: its data plane and its smux sessions. */
export interface StatsSource {
  side: 'client' | 'server';
  dataPlane: DataPlane;
  /** Open streams of the control-side session (shard, id), or undefined when it has none. */
  openStreams(shard: number, id: number): number | undefined;
}

export async function collectStats(source: StatsSource): Promise<TunnelStats> {
  const figures = await source.dataPlane.sessionStats();
  const totals = source.dataPlane.shardSnmpTotals();
  const sessions = figures.map((f) => ({ ...f, openStreams: source.openStreams(f.shard, f.id) ?? 0 }));
  const shards = totals.map((snmp, index) => ({ index, sessions: sessions.filter((s) => s.shard === index).length, snmp: snmp.snapshot() }));
  return { side: source.side, at: Date.now(), snmp: sum(totals), shards, sessions };
}

function sum(rows: readonly Snmp[]): SnmpCounters {
  const out = {} as SnmpCounters;
  for (const row of rows) {
    for (const [name, value] of Object.entries(row.snapshot()) as [SnmpField, number][]) out[name] = (out[name] ?? 0) + value;
  }
  return out;
}

/** The control side's session map, as `StatsSource.openStreams` reads it. */
export function streamsIn(sessions: ReadonlyMap<string, { closed: boolean; streamCount: number }>): (shard: number, id: number) => number | undefined {
  return (shard, id) => {
    const s = sessions.get(sessionKey(shard, id));
    return s && !s.closed ? s.streamCount : undefined;
  };
}
