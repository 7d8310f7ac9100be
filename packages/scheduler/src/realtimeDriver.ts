/**
 * The real-time edge of a RunQueue: one setImmediate turn whenever a shell is dirty, one timer at
 * the earliest wake-up of all shells, and one doorbell sleep per ring end a shell waits on. This
 * is the only place the shells' scheduling touches timers or threads.
 */
import { doorbellKeepAlive, ringWaitEnd, sleepForRing, type RingConsumer, type RingProducer } from '@kcptunb/ring';
import { RunQueue, type Runnable } from './runQueue.js';

export class RealtimeDriver<T extends Runnable = Runnable> {
  readonly queue: RunQueue<T>;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /**
   * One reusable sleep record per ring end (weakly held: a retired session's ends just go); at
   * most one doorbell sleep pending per end.
   */
  private readonly sleeps = new WeakMap<RingConsumer | RingProducer, RingSleep<T>>();
  private stopped = false;

  /**
   * `clock` gives milliseconds on the clock the shells' wake-ups use; `afterRun` sees the shells
   * each turn ran (to retire the ones that closed themselves).
   */
  constructor(
    private readonly clock: () => number,
    private readonly afterRun: (ran: readonly T[]) => void = () => {},
  ) {
    this.queue = new RunQueue<T>(() => this.soon());
  }

  /** Run everything dirty or due now (synchronously), then re-arm the waits. */
  readonly turn = (): void => {
    this.immediate = undefined;
    if (this.stopped) return;
    const now = this.clock();
    const ran = this.queue.runDue(now);
    this.afterRun(ran);
    for (const item of ran) this.armRings(item);
    this.armTimer(now);
  };

  private soon(): void {
    if (!this.stopped) this.immediate ??= setImmediate(this.turn);
  }

  /**
   * Arm a doorbell sleep for each ring condition of `item`'s wake-up (or mark it dirty when one
   * holds already). Per sleep: the promise `Atomics.waitAsync` makes and one `then` on it, with the
   * end's bound handler: no async function, no closure, no `finally` per wait.
   */
  private armRings(item: T): void {
    const wakeup = this.queue.wakeupOf(item);
    if (!wakeup) return;
    for (const wait of wakeup.rings) {
      const end = ringWaitEnd(wait);
      let sleep = this.sleeps.get(end);
      if (sleep?.pending) continue;
      const slept = sleepForRing(wait);
      if (slept === undefined) {
        this.queue.markDirty(item);
        continue;
      }
      if (!sleep) this.sleeps.set(end, (sleep = new RingSleep(this.queue)));
      sleep.item = item;
      sleep.pending = true;
      doorbellKeepAlive.hold(); // Atomics.waitAsync alone does not keep the loop alive
      slept.then(sleep.woken, sleep.woken);
    }
  }

  private armTimer(now: number): void {
    const at = this.queue.nextWakeAt(now);
    if (at === Infinity || this.stopped) return;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.turn();
    }, Math.max(0, at - now));
  }

  /** Stop scheduling (pending doorbell sleeps resolve when their rings close). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}

/** A ring end's doorbell sleep: whom to mark dirty when it is rung (or settles spuriously). */
class RingSleep<T extends Runnable> {
  item: T | undefined;
  pending = false;
  constructor(private readonly queue: RunQueue<T>) {}
  readonly woken = (): void => {
    this.pending = false;
    doorbellKeepAlive.release();
    const item = this.item!;
    this.item = undefined;
    this.queue.markDirty(item);
  };
}
