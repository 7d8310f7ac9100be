/**
 * The real-time edge of a RunQueue: one setImmediate turn whenever a shell is dirty, one timer at
 * the earliest wake-up of all shells, and one doorbell sleep per ring end a shell waits on. This
 * is the only place the shells' scheduling touches timers or threads.
 */
import { awaitRing, ringWaitEnd, ringWaitMet, type RingConsumer, type RingProducer } from '@kcptunb/ring';
import { RunQueue, type Runnable } from './runQueue.js';

export class RealtimeDriver<T extends Runnable = Runnable> {
  readonly queue: RunQueue<T>;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** Ring ends with a doorbell sleep pending (one is enough per end). */
  private readonly armed = new Set<RingConsumer | RingProducer>();
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

  private armRings(item: T): void {
    const wakeup = this.queue.wakeupOf(item);
    if (!wakeup) return;
    for (const wait of wakeup.rings) {
      const end = ringWaitEnd(wait);
      if (this.armed.has(end)) continue;
      if (ringWaitMet(wait)) {
        this.queue.markDirty(item);
        continue;
      }
      this.armed.add(end);
      const woken = () => {
        this.armed.delete(end);
        this.queue.markDirty(item);
      };
      awaitRing(wait).then(woken, woken);
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
