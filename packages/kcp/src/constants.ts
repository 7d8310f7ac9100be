/** KCP wire constants and kcp-go defaults (docs/protocol.md §3). */

/** Segment header bytes: conv 4, cmd 1, frg 1, wnd 2, ts 4, sn 4, una 4, len 4. */
export const KCP_OVERHEAD = 24;

export const CMD_PUSH = 81; // data
export const CMD_ACK = 82; // acknowledgement
export const CMD_WASK = 83; // window probe: "tell me your window"
export const CMD_WINS = 84; // window tell
/**
 * kcptunb's session reset (docs/protocol.md §3.10, docs/deviations.md): "this conversation is over
 * here". Stock kcp-go rejects an unknown command before reading anything else of the segment.
 */
export const CMD_RESET = 88;
/** A reset carries this in its sn field (and len 0): a second check besides the command byte. */
export const RESET_MAGIC = 0x6b637462;

export const ASK_SEND = 1; // a WASK is due
export const ASK_TELL = 2; // a WINS is due

export const RTO_NODELAY_MIN = 30; // minrto when nodelay ≠ 0
export const RTO_MIN = 100; // minrto when nodelay = 0
export const RTO_DEFAULT = 200; // rx_rto before any sample
export const RTO_MAX = 60_000;

export const WND_SND_DEFAULT = 32;
export const WND_RCV_DEFAULT = 32; // also the peer window assumed before any packet
export const MTU_DEFAULT = 1400;
export const MTU_MIN = 50;
export const INTERVAL_DEFAULT = 100;
export const INTERVAL_MIN = 10;
export const INTERVAL_MAX = 5000;

export const THRESH_INIT = 2;
export const THRESH_MIN = 2;

export const PROBE_INIT = 7000; // first window probe after 7 s of zero peer window
export const PROBE_LIMIT = 120_000; // probe interval ceiling

/** Signed 32-bit difference: wrap-safe comparison of sn and ts values. */
export function timediff(later: number, earlier: number): number {
  return (later - earlier) | 0;
}
