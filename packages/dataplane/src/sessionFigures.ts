/**
 * One KCP session's figures at a moment, as its shard reports them to the control thread
 * (`DataPlane.sessionStats()`): the session's own counters (its share of the shard's SNMP
 * counters) and its KCP state — RTT estimate, windows, segments in flight.
 */
import type { ShardSession } from './shardSession.js';

export interface SessionFigures {
  /** The shard running the session, and its id there: (shard, id) names it. */
  shard: number;
  id: number;
  conv: number;
  /** The peer's `host:port` ('' when the shard does not know it). */
  remote: string;
  /** Bytes handed to KCP and taken out of it: smux frames, snappy-framed when compression is on. */
  bytesSent: number;
  bytesReceived: number;
  /** Datagrams and their bytes on the wire (after crypt and FEC). */
  datagramsSent: number;
  datagramsReceived: number;
  wireBytesSent: number;
  wireBytesReceived: number;
  /** KCP's smoothed RTT and its variation, and the retransmission timeout (ms). */
  srtt: number;
  rttvar: number;
  rto: number;
  /** Segments sent and not yet acknowledged by the peer's una. */
  inFlight: number;
  /** Segments queued behind the window, not yet sent. */
  queued: number;
  /** Our send window, our receive window (configured), its free part, the peer's last advertised window, and cwnd. */
  sendWindow: number;
  receiveWindow: number;
  receiveWindowFree: number;
  remoteWindow: number;
  congestionWindow: number;
  /** Segments sent again (RTO, fast and early retransmits). */
  retransmits: number;
  /** Segments FEC rebuilt from parity. */
  fecRecovered: number;
}

/** The figures of `s` now. */
export function sessionFigures(shard: number, remote: string, s: ShardSession): SessionFigures {
  const kcp = s.session.kcp;
  const c = s.session.counters;
  return {
    shard,
    id: s.id,
    conv: s.conv,
    remote,
    bytesSent: c.bytesSent,
    bytesReceived: c.bytesReceived,
    datagramsSent: c.outPkts,
    datagramsReceived: c.inPkts,
    wireBytesSent: c.outBytes,
    wireBytesReceived: c.inBytes,
    srtt: kcp.rto.srtt,
    rttvar: kcp.rto.rttvar,
    rto: kcp.rto.rto,
    inFlight: kcp.inFlight,
    queued: kcp.queued,
    sendWindow: kcp.config.sndWnd,
    receiveWindow: kcp.config.rcvWnd,
    receiveWindowFree: kcp.receiveWindowFree,
    remoteWindow: kcp.remoteWindow,
    congestionWindow: kcp.congestionWindow,
    retransmits: kcp.retransmitted,
    fecRecovered: c.fecRecovered,
  };
}
