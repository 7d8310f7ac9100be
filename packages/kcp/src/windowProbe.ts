/**
 * Window probing: WASK ("tell me your window") while the peer advertises a
 * zero window, first after 7 s and then backing off ×1.5 up to 120 s; WINS
 * ("my window") when the peer asked or our window reopened.
 */
import { ASK_SEND, ASK_TELL, PROBE_INIT, PROBE_LIMIT, timediff } from './constants.js';

export class WindowProbe {
  private pending = 0;
  /** When the next WASK is due, while the peer window stays 0. */
  private dueAt = 0;
  private wait = 0;

  /** Send a WINS at the next flush. */
  tell(): void {
    this.pending |= ASK_TELL;
  }

  /** Send a WASK at the next flush (a liveness probe, whatever the peer's window). */
  ask(): void {
    this.pending |= ASK_SEND;
  }

  /** Called at every flush with the peer's window; schedules a WASK when one is due. */
  schedule(now: number, remoteWindow: number): void {
    if (remoteWindow !== 0) {
      this.dueAt = 0;
      this.wait = 0;
      return;
    }
    if (this.wait === 0) {
      this.wait = PROBE_INIT;
      this.dueAt = (now + this.wait) >>> 0;
    } else if (timediff(now, this.dueAt) >= 0) {
      if (this.wait < PROBE_INIT) this.wait = PROBE_INIT;
      this.wait = Math.min(this.wait + Math.floor(this.wait / 2), PROBE_LIMIT);
      this.dueAt = (now + this.wait) >>> 0;
      this.pending |= ASK_SEND;
    }
  }

  /** Whether a WASK or WINS waits for the next flush, or a WASK is scheduled (the peer's window is 0). */
  get active(): boolean {
    return this.pending !== 0 || this.wait !== 0;
  }

  /** The requests (ASK_SEND | ASK_TELL) to emit now; clears them. */
  take(): number {
    const pending = this.pending;
    this.pending = 0;
    return pending;
  }
}
