/**
 * The scheduler of the sans-I/O shells, itself without I/O. Every shell (a shard's KCP session,
 * a control thread's smux link) is a `Runnable`: `run(now)` does what is due and returns a
 * `Wakeup` — the time it next needs to run and the ring conditions that should run it sooner.
 * Anything else that concerns a shell (a datagram arrived, a TCP socket drained) marks it dirty.
 *
 * The queue only keeps that bookkeeping. An edge turns it into real waiting: `RealtimeDriver`
 * with setImmediate, one timer and ring doorbells; the simulator by jumping a virtual clock and
 * checking ring conditions between events. Both run the same shells through the same queue.
 */
import { ringWaitMet, type RingWait } from '@kcptunb/ring';

export interface Wakeup {
  /** When `run` is next due (ms, same clock as `now`); Infinity: only when woken. */
  readonly at: number;
  /** Ring conditions that should run it as soon as they hold. */
  readonly rings: readonly RingWait[];
}

export const IDLE: Wakeup = Object.freeze({ at: Infinity, rings: Object.freeze([]) as readonly RingWait[] });

export interface Runnable {
  run(now: number): Wakeup;
  /**
   * Work a run would do now (optional). Never needed for scheduling: the real-time edge audits
   * with it that no wake-up was lost — a shell that could progress, is not dirty and has no
   * timer due soon should not exist.
   */
  canProgress?(): boolean;
  /** The shell's state in words, for the audit's log line (optional). */
  stallReport?(): string;
}

/**
 * Rounds one `runDue` makes over shells that mark each other (or themselves) dirty while running;
 * what is still dirty after them waits for the edge's next turn, so one busy shell cannot starve
 * the event loop.
 */
const MAX_ROUNDS = 64;

export class RunQueue<T extends Runnable = Runnable> {
  private readonly wakeups = new Map<T, Wakeup>();
  private dirty = new Set<T>();
  private spare = new Set<T>();
  private readonly ran: T[] = [];
  /** `runDue`'s `now`, for `markIfDue`. */
  private dueAt = 0;
  private readonly markIfDue = (wakeup: Wakeup, item: T): void => {
    if (wakeup.at <= this.dueAt) this.dirty.add(item);
  };

  /** `onDirty` is the edge's hook: something wants to run soon (called when the dirty set fills). */
  constructor(private readonly onDirty: () => void = () => {}) {}

  /** Register a shell; it runs at the next `runDue`. */
  add(item: T): void {
    this.wakeups.set(item, IDLE);
    this.markDirty(item);
  }

  /** Forget a shell (it is never run again). */
  delete(item: T): void {
    this.wakeups.delete(item);
    this.dirty.delete(item);
  }

  has(item: T): boolean {
    return this.wakeups.has(item);
  }

  get size(): number {
    return this.wakeups.size;
  }

  items(): IterableIterator<T> {
    return this.wakeups.keys();
  }

  /** Run this shell at the next `runDue`, whatever its wake-up says. */
  markDirty(item: T): void {
    if (!this.wakeups.has(item) || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.dirty.size === 1) this.onDirty();
  }

  isDirty(item: T): boolean {
    return this.dirty.has(item);
  }

  get hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * Run every dirty shell and every shell whose time has come, then whatever that marked dirty,
   * for at most MAX_ROUNDS rounds. Returns the shells that ran (valid until the next call).
   */
  runDue(now: number): readonly T[] {
    this.ran.length = 0;
    // forEach with a bound callback: a destructuring for-of allocates an entry per shell per turn
    this.dueAt = now;
    this.wakeups.forEach(this.markIfDue);
    for (let round = 0; this.dirty.size > 0 && round < MAX_ROUNDS; round++) {
      const batch = this.dirty;
      this.dirty = this.spare;
      for (const item of batch) {
        if (!this.wakeups.has(item)) continue;
        const wakeup = item.run(now);
        if (this.wakeups.has(item)) this.wakeups.set(item, wakeup); // it may have deleted itself
        this.ran.push(item);
      }
      batch.clear();
      this.spare = batch;
    }
    if (this.dirty.size > 0) this.onDirty();
    return this.ran;
  }

  /** The earliest `at` of all shells (Infinity when none has a timer). Dirty shells are due now. */
  nextWakeAt(now: number): number {
    if (this.dirty.size > 0) return now;
    this.earliest = Infinity;
    this.wakeups.forEach(this.noteEarliest);
    return this.earliest;
  }

  private earliest = Infinity;
  private readonly noteEarliest = (wakeup: Wakeup): void => {
    if (wakeup.at < this.earliest) this.earliest = wakeup.at;
  };

  /** The last wake-up a shell returned. */
  wakeupOf(item: T): Wakeup | undefined {
    return this.wakeups.get(item);
  }

  /**
   * Mark dirty every shell one of whose ring conditions holds now; true if any did. This is the
   * simulator's doorbell: on one thread the rings can be checked directly between events.
   */
  markRingWaitsMet(): boolean {
    let any = false;
    for (const [item, wakeup] of this.wakeups) {
      if (wakeup.rings.length > 0 && wakeup.rings.some(ringWaitMet)) {
        this.markDirty(item);
        any = true;
      }
    }
    return any;
  }
}
