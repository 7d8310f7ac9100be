/**
 * The real-time edge of a RunQueue: one setImmediate turn whenever a shell is dirty, one timer at
 * the earliest wake-up of all shells, and one doorbell sleep per ring end a shell waits on. This
 * is the only place the shells' scheduling touches timers or threads.
 */
import { doorbellKeepAlive, ringWaitEnd, sleepForRingThen, type RingConsumer, type RingProducer } from '@kcptunb/ring';
import { RunQueue, type Runnable } from './runQueue.js';
import { AUDIT_EVERY_MS, WakeupAudit } from './wakeupAudit.js';

export interface RealtimeDriverOptions<T> {
  /** A shell the audit found able to progress with nothing set to run it (wakeupAudit.ts). */
  onMissedWakeup?: (item: T) => void;
  /** The audit's period (tests shorten it). */
  auditEveryMs?: number;
}

/**
 * Drivers of this thread made dirty during another driver's turn (the data plane inline on the
 * control thread: a link's push wakes the shard's session synchronously, sameThread.ts): they run
 * right after that turn, in the same event-loop callback, instead of one setImmediate later.
 */
const chained: Array<RealtimeDriver<Runnable>> = [];
/** The driver whose turn is running on this thread, if any. */
let turning: RealtimeDriver<Runnable> | undefined;
/** Turns one callback may chain before the rest wait for setImmediate (the event loop must get its turn). */
const MAX_CHAINED_TURNS = 16;

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
  private isChained = false;
  private readonly audit: WakeupAudit<T>;
  private readonly auditTimer: NodeJS.Timeout;
  private readonly onMissedWakeup: ((item: T) => void) | undefined;

  /**
   * `clock` gives milliseconds on the clock the shells' wake-ups use; `afterRun` sees the shells
   * each turn ran (to retire the ones that closed themselves).
   */
  constructor(
    private readonly clock: () => number,
    private readonly afterRun: (ran: readonly T[]) => void = () => {},
    options: RealtimeDriverOptions<T> = {},
  ) {
    this.queue = new RunQueue<T>(() => this.soon());
    const every = options.auditEveryMs ?? AUDIT_EVERY_MS;
    this.audit = new WakeupAudit<T>(every);
    this.onMissedWakeup = options.onMissedWakeup;
    this.auditTimer = setInterval(this.runAudit, every).unref();
  }

  /** Shells the audit had to run: lost wake-ups (0 in a correct program). */
  get missedWakeups(): number {
    return this.audit.missed;
  }

  /** Run everything dirty or due now (synchronously), then re-arm the waits; then any chained driver's turn. */
  readonly turn = (): void => {
    this.immediate = undefined;
    if (this.stopped) return;
    if (turning) return this.runTurn(); // a nested call (cannot happen from the event loop)
    turning = this as unknown as RealtimeDriver<Runnable>;
    let next = 0;
    try {
      this.runTurn();
      for (; next < chained.length && next < MAX_CHAINED_TURNS; next++) {
        const driver = chained[next]!;
        driver.isChained = false;
        turning = driver;
        driver.runTurn();
      }
    } finally {
      turning = undefined;
      for (; next < chained.length; next++) {
        const driver = chained[next]!;
        driver.isChained = false;
        driver.soon();
      }
      chained.length = 0;
    }
  };

  private runTurn(): void {
    if (this.stopped) return;
    const now = this.clock();
    const ran = this.queue.runDue(now);
    this.audit.ran(ran);
    this.afterRun(ran);
    for (const item of ran) this.armRings(item);
    this.armTimer(now);
  }

  private soon(): void {
    if (this.stopped || this.immediate) return;
    if (turning && turning !== (this as unknown as RealtimeDriver<Runnable>)) {
      if (!this.isChained) {
        this.isChained = true;
        chained.push(this as unknown as RealtimeDriver<Runnable>);
      }
      return;
    }
    this.immediate = setImmediate(this.turn);
  }

  /**
   * Arm a doorbell sleep for each ring condition of `item`'s wake-up (or mark it dirty when one
   * holds already). Per sleep: the promise `Atomics.waitAsync` makes and one `then` on it, with the
   * end's bound handler: no async function, no closure, no `finally` per wait; when both ends of
   * the ring are on this thread, no promise at all (the waker calls the handler).
   */
  private armRings(item: T): void {
    const wakeup = this.queue.wakeupOf(item);
    if (!wakeup) return;
    for (const wait of wakeup.rings) {
      const end = ringWaitEnd(wait);
      let sleep = this.sleeps.get(end);
      if (sleep?.pending) continue;
      if (!sleep) this.sleeps.set(end, (sleep = new RingSleep(this.queue)));
      sleep.item = item;
      sleep.pending = true;
      doorbellKeepAlive.hold(); // Atomics.waitAsync alone does not keep the loop alive
      if (!sleepForRingThen(wait, sleep.woken)) {
        sleep.pending = false;
        sleep.item = undefined;
        doorbellKeepAlive.release();
        this.queue.markDirty(item);
      }
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

  private readonly runAudit = (): void => {
    if (this.stopped || this.queue.size === 0) return;
    for (const item of this.audit.check(this.queue, this.clock())) {
      this.forgetSleeps(item);
      this.onMissedWakeup?.(item);
      this.queue.markDirty(item);
    }
  };

  /** Drop `item`'s pending doorbell sleeps (one may never be rung): its next run arms fresh ones. */
  private forgetSleeps(item: T): void {
    for (const wait of this.queue.wakeupOf(item)?.rings ?? []) {
      const end = ringWaitEnd(wait);
      const sleep = this.sleeps.get(end);
      if (sleep?.pending && sleep.item === item) {
        sleep.cancel();
        this.sleeps.delete(end);
      }
    }
  }

  /** Stop scheduling (pending doorbell sleeps resolve when their rings close). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.auditTimer);
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
    if (!this.pending) return; // cancelled by the audit: a fresh sleep took its place
    this.pending = false;
    doorbellKeepAlive.release();
    const item = this.item!;
    this.item = undefined;
    this.queue.markDirty(item);
  };
  /** Give up this sleep: a late wake finds it no longer pending and does nothing. */
  cancel(): void {
    this.pending = false;
    this.item = undefined;
    doorbellKeepAlive.release();
  }
}
