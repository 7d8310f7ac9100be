/**
 * What the two ends of a ring share: the attached views, the size limits, the
 * close flags and the doorbell instrumentation.
 */
import { ringAlways } from './doorbell.js';
import { dropEnd, holdEnd } from './sameThread.js';
import { CLOSED, CONSUMER_SLEEPING, PRODUCER_WAITING, attachRing, maxPayloadBytes, type RingViews } from './layout.js';

export abstract class RingEnd {
  /** Data-region bytes. */
  readonly capacity: number;
  /** Largest payload one record can carry: capacity / 2 − 4. */
  readonly maxRecordBytes: number;
  protected readonly ring: RingViews;
  protected doorbellRings = 0;
  protected sleeps = 0;

  /** `end`: CLOSED_BY_PRODUCER or CLOSED_BY_CONSUMER, the bit that also names this end. */
  constructor(sab: SharedArrayBuffer, end: number) {
    this.ring = attachRing(sab);
    this.capacity = this.ring.capacity;
    this.maxRecordBytes = maxPayloadBytes(this.capacity);
    holdEnd(this.ring.control, end);
  }

  /** Either side has closed the ring. */
  get closed(): boolean {
    return Atomics.load(this.ring.control, CLOSED) !== 0;
  }

  /** Instrumentation: how many times this end rang the other's doorbell (Atomics.notify). */
  get notifyCount(): number {
    return this.doorbellRings;
  }

  /** Instrumentation: how many waits of this end actually went to sleep. */
  get sleepCount(): number {
    return this.sleeps;
  }

  /** Set this end's close bit and wake both sleepers so they see it. Idempotent. */
  protected closeEnd(bit: number): void {
    Atomics.or(this.ring.control, CLOSED, bit);
    ringAlways(this.ring.control, CONSUMER_SLEEPING);
    ringAlways(this.ring.control, PRODUCER_WAITING);
    dropEnd(this.ring.control, bit);
  }

  protected closedBy(bit: number): boolean {
    return (Atomics.load(this.ring.control, CLOSED) & bit) !== 0;
  }
}
