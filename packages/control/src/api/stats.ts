/** What `stats()` returns: the SNMP counters of the process's data plane and one row per open session. */
import type { SnmpField } from '@kcptunb/snmp';
import type { Side } from '../config/tunnelConfig.js';
import type { TunnelSession } from '../runtime/tunnel.js';
import type { SessionInfo } from '../runtime/tunnelEvents.js';

export interface SessionStats extends SessionInfo {
  /** smux streams open on the session (any kind, with those not yet handed to a relay or handler). */
  readonly streams: number;
  /** Streams relayed to TCP or handed out as a Duplex, not done yet. */
  readonly carriedStreams: number;
  /** Received bytes buffered in streams and not yet read (holds the session's receive budget). */
  readonly bufferedBytes: number;
  /** smux's smoothed round-trip estimate, ms (kcptunB heartbeats). */
  readonly rttMs: number;
}

export interface TunnelStats {
  readonly side: Side;
  /** kcptun's 24 SNMP counters and kcptunb's own, summed over the data plane's shards (docs/protocol.md §7.6). */
  readonly snmp: Readonly<Record<SnmpField, number>>;
  readonly sessions: readonly SessionStats[];
}

export function sessionStats(s: TunnelSession): SessionStats {
  const smux = s.link.smux;
  return { ...s.info, streams: smux.streamCount, carriedStreams: s.carriedStreams, bufferedBytes: smux.bufferedBytes, rttMs: smux.rttMs };
}
