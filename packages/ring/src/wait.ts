/**
 * What a sans-I/O shell can wait for on a ring, as a value. A shell's `run(now)` returns its
 * waits; the I/O edge decides how to wait: a real thread sleeps on the doorbell (`awaitRing`),
 * the simulator checks the condition between events (`ringWaitMet`). Either way the shell itself
 * never sleeps, so the same code runs in both.
 */
import type { RingConsumer } from './consumer.js';
import type { RingProducer } from './producer.js';

export type RingWait =
  /** Run again once the ring has a record to drain, or is closed. */
  | { readonly kind: 'data'; readonly consumer: RingConsumer }
  /** Run again once a record of `bytes` fits, or the ring is closed. */
  | { readonly kind: 'space'; readonly producer: RingProducer; readonly bytes: number };

export function dataWait(consumer: RingConsumer): RingWait {
  return { kind: 'data', consumer };
}

export function spaceWait(producer: RingProducer, bytes: number): RingWait {
  return { kind: 'space', producer, bytes };
}

/** The condition holds now (no sleeping needed). */
export function ringWaitMet(wait: RingWait): boolean {
  return wait.kind === 'data' ? wait.consumer.hasData || wait.consumer.closed : wait.producer.canFit(wait.bytes);
}

/** Sleep on the ring's doorbell until the condition holds (the edge's way to wait). */
export function awaitRing(wait: RingWait): Promise<void> {
  return wait.kind === 'data' ? wait.consumer.waitForData() : wait.producer.waitForSpace(wait.bytes);
}

/**
 * One doorbell sleep for the condition, for an edge that loops itself: undefined when it holds
 * now; otherwise `Atomics.waitAsync`'s own promise, settled when rung or spuriously (re-check).
 * Unlike `awaitRing` it makes no promise of its own and does not keep the thread alive.
 */
export function sleepForRing(wait: RingWait): Promise<unknown> | undefined {
  return wait.kind === 'data' ? wait.consumer.sleepForData() : wait.producer.sleepForSpace(wait.bytes);
}

/** The ring end a wait is on: one pending wait per end is enough. */
export function ringWaitEnd(wait: RingWait): RingConsumer | RingProducer {
  return wait.kind === 'data' ? wait.consumer : wait.producer;
}

/**
 * `sleepForRing` with a callback: false when the condition holds now (nothing pending); true when
 * `onWake` will run once rung or spuriously — synchronously from the waker when both ends of the
 * ring are on this thread (sameThread.ts). It does not keep the thread alive.
 */
export function sleepForRingThen(wait: RingWait, onWake: () => void): boolean {
  return wait.kind === 'data' ? wait.consumer.sleepForDataThen(onWake) : wait.producer.sleepForSpaceThen(wait.bytes, onWake);
}
