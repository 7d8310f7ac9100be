/**
 * Whether a segment in flight goes out in this flush, and why (docs/protocol.md §3): its first
 * transmission; a fast retransmit after `resend` later segments were acknowledged past it; an
 * early retransmit (kcp-go's) when it was skipped at all and nothing new goes out in this flush;
 * or its retransmission timeout. The chosen rule also sets the segment's next deadline: the RTO
 * estimate for the first three, and for a timeout the backed-off RTO (doubled with nodelay 0,
 * ×1.5 otherwise). Pure: the caller passes `now`.
 */
import { timediff } from './constants.js';
import type { Segment } from './segment.js';

export const SEND_NONE = 0;
export const SEND_FIRST = 1;
export const SEND_FAST = 2;
export const SEND_EARLY = 3;
export const SEND_TIMEOUT = 4;

/** What `due` needs of the flush: the RTO estimate, the fast-resend threshold and whether new data leaves. */
export interface FlushRound {
  now: number;
  rxRto: number;
  /** Skips before a fast retransmit (0xffffffff: never). */
  resend: number;
  /** kcptun's nodelay flag: 0 doubles a timed-out segment's RTO, else it grows by half. */
  nodelay: number;
  /** New segments went into flight in this flush, or were held back by the pacer. */
  newData: boolean;
}

/** Why `seg` is sent now (SEND_NONE: it is not), its deadline updated to match. */
export function due(seg: Segment, r: FlushRound): number {
  if (seg.xmit === 0) {
    seg.rto = r.rxRto;
    seg.resendts = (r.now + seg.rto) >>> 0;
    return SEND_FIRST;
  }
  if (seg.fastack >= r.resend || (seg.fastack > 0 && !r.newData)) {
    const why = seg.fastack >= r.resend ? SEND_FAST : SEND_EARLY;
    seg.fastack = 0;
    seg.rto = r.rxRto;
    seg.resendts = (r.now + seg.rto) >>> 0;
    return why;
  }
  if (timediff(r.now, seg.resendts) >= 0) {
    seg.rto += r.nodelay === 0 ? r.rxRto : Math.floor(r.rxRto / 2);
    seg.fastack = 0;
    seg.resendts = (r.now + seg.rto) >>> 0;
    return SEND_TIMEOUT;
  }
  return SEND_NONE;
}
