/** The (sn, ts) pairs of PUSH segments to acknowledge at the next flush. */
import { timediff } from './constants.js';

export class AckList {
  private readonly sns: number[] = [];
  private readonly tss: number[] = [];
  count = 0;
  /** When the oldest queued pair was queued (valid while count > 0). */
  private queuedAt = 0;

  push(sn: number, ts: number, now = 0): void {
    if (this.count === 0) this.queuedAt = now >>> 0;
    this.sns[this.count] = sn;
    this.tss[this.count] = ts;
    this.count++;
  }

  sn(i: number): number {
    return this.sns[i]!;
  }

  ts(i: number): number {
    return this.tss[i]!;
  }

  clear(): void {
    this.count = 0;
  }

  /**
   * A lone pair that may still wait for data to carry it (docs/protocol.md §3.3): one queued and
   * its `delay` (ms, 0 = never wait) not run out at `now`.
   */
  mayHold(now: number, delay: number): boolean {
    return delay > 0 && this.count === 1 && timediff(now >>> 0, this.dueAt(delay)) < 0;
  }

  /** When the oldest queued pair must leave, with `delay`. */
  dueAt(delay: number): number {
    return (this.queuedAt + delay) >>> 0;
  }

  /** Take back a `clear()` after which nothing was pushed: the first `count` pairs are queued again. */
  restore(count: number): void {
    this.count = count;
  }
}
