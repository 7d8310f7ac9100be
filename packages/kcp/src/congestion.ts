/**
 * The congestion window (used only with nc = 0): slow start and congestion
 * avoidance as una advances, cut back by retransmissions (docs/protocol.md §3).
 */
import { THRESH_INIT, THRESH_MIN } from './constants.js';

export class CongestionWindow {
  /** Segments the window allows in flight. */
  cwnd = 0;
  private ssthresh = THRESH_INIT;
  /** Bytes of window growth earned (kcp's incr). */
  private incr = 0;

  constructor(private readonly mss: number) {}

  /** una advanced: grow, never past the peer's window. */
  grow(remoteWindow: number): void {
    if (this.cwnd >= remoteWindow) return;
    const mss = this.mss;
    if (this.cwnd < this.ssthresh) {
      this.cwnd++;
      this.incr += mss;
    } else {
      if (this.incr < mss) this.incr = mss;
      this.incr += Math.floor((mss * mss) / this.incr) + Math.floor(mss / 16);
      if ((this.cwnd + 1) * mss <= this.incr) this.cwnd++;
    }
    if (this.cwnd > remoteWindow) {
      this.cwnd = remoteWindow;
      this.incr = remoteWindow * mss;
    }
  }

  /**
   * After a flush: fast or early retransmits (`changed`) halve the threshold
   * to half of what is in flight; timeouts (`lost`) restart from one segment.
   * `window` is the window the flush sent under, `resend` its fast-resend
   * threshold (0xffffffff when off, as kcp-go adds it unchanged).
   */
  afterFlush(changed: number, lost: number, inFlight: number, window: number, resend: number): void {
    if (changed > 0) {
      this.ssthresh = Math.max(Math.floor(inFlight / 2), THRESH_MIN);
      this.cwnd = this.ssthresh + resend;
      this.incr = this.cwnd * this.mss;
    }
    if (lost > 0) {
      this.ssthresh = Math.max(Math.floor(window / 2), THRESH_MIN);
      this.cwnd = 1;
      this.incr = this.mss;
    }
    if (this.cwnd < 1) {
      this.cwnd = 1;
      this.incr = this.mss;
    }
  }
}
