/**
 * The wake-up of a shell that sits between one ring it drains and one it fills (a shard session,
 * a session link), reused run after run: the hot path returns the same object and the same
 * rings arrays instead of a fresh Wakeup and array per run (garbage on every ping). The RunQueue
 * keeps only a shell's latest wake-up, so overwriting the previous one loses nothing.
 */
import { dataWait, type RingConsumer, type RingProducer, type RingWait } from '@kcptunb/ring';
import type { Wakeup } from './runQueue.js';

const NO_RINGS: readonly RingWait[] = Object.freeze([]);

/**
 * Whether a shell that drains `consumer` arms its data wait: whenever it would take a record now
 * (`canTake`), or the ring is empty. A record the other thread published after the shell's drain
 * stopped then finds the wait's condition met at once (a producer rings only a consumer that
 * announced a sleep, so a shell that skipped the wait because it saw data would sleep through it).
 * Only records the shell itself holds back need no wait: what frees it (KCP's window, a read of
 * smux's budget) runs the shell. `openAtStart` is the ring's state when the run began: a close
 * that came after it is seen by the wait too, and one that came before was handled by the run.
 */
export function drainWait(consumer: RingConsumer, openAtStart: boolean, canTake: boolean): boolean {
  return openAtStart && (!consumer.hasData || canTake);
}

export class RingWakeup implements Wakeup {
  at = Infinity;
  rings: readonly RingWait[] = NO_RINGS;
  private readonly space: { readonly kind: 'space'; readonly producer: RingProducer; bytes: number };
  private readonly dataOnly: readonly RingWait[];
  private readonly spaceOnly: readonly RingWait[];
  private readonly dataAndSpace: readonly RingWait[];

  constructor(drains: RingConsumer, fills: RingProducer) {
    const data = dataWait(drains);
    this.space = { kind: 'space', producer: fills, bytes: 0 };
    this.dataOnly = [data];
    this.spaceOnly = [this.space];
    this.dataAndSpace = [data, this.space];
  }

  /** Due at `at`; sooner when data comes (if `waitData`) or when `spaceBytes` fit (if > 0). */
  set(at: number, waitData: boolean, spaceBytes: number): Wakeup {
    this.at = at;
    if (spaceBytes > 0) {
      this.space.bytes = spaceBytes;
      this.rings = waitData ? this.dataAndSpace : this.spaceOnly;
    } else this.rings = waitData ? this.dataOnly : NO_RINGS;
    return this;
  }
}
