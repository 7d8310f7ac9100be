/**
 * Reuse of server session rings. A ring is a SharedArrayBuffer both threads reference; freed ones
 * go back only when V8 collects the last reference in each thread, which for a worker that makes
 * little garbage can be hundreds of MiB later, and the allocator rarely returns that memory to the
 * OS: the soak measured RSS growing by the ring bytes of every session ever opened. Recycling the
 * rings of ended sessions keeps the process at its high-water mark instead.
 *
 * A ring comes back only after both threads closed their ends (the shard's session ended and the
 * control thread sent its `close`), and is handed out again only after `quarantineMs`: a doorbell
 * wait of the old owner that was already woken has long seen the close by then and cannot
 * announce itself on the ring's new session. Pure: the caller passes `now`.
 */
import { RingBuffer } from '@kcptunb/ring';

/** How long a returned ring rests before it is reused. */
export const RING_QUARANTINE_MS = 2000;

export class RingPool {
  private readonly free: Array<{ sab: SharedArrayBuffer; at: number }> = [];
  private created = 0;
  private reused = 0;

  /**
   * `limit`: most rings kept for reuse (the listener passes two per session it may hold, so the
   * pool never keeps more than the sessions at their cap would); beyond it a returned ring is left
   * to the garbage collector.
   */
  constructor(
    readonly ringBytes: number,
    private readonly limit: number,
    private readonly quarantineMs = RING_QUARANTINE_MS,
  ) {}

  /** A ring of `ringBytes`, empty and open: a rested one if there is, else a new one. */
  acquire(now: number): SharedArrayBuffer {
    const oldest = this.free[0];
    if (oldest && now - oldest.at >= this.quarantineMs) {
      this.free.shift();
      // an empty, open ring is all-zero control words (its id kept); the data region is read only through them
      RingBuffer.reset(oldest.sab);
      this.reused++;
      return oldest.sab;
    }
    this.created++;
    return RingBuffer.create(this.ringBytes);
  }

  /** Both ends of `sab` are closed and neither thread will touch it again. */
  release(sab: SharedArrayBuffer, now: number): void {
    if (this.free.length >= this.limit || RingBuffer.capacityOf(sab) !== this.ringBytes) return;
    this.free.push({ sab, at: now });
  }

  get stats(): { created: number; reused: number; free: number } {
    return { created: this.created, reused: this.reused, free: this.free.length };
  }
}
