/**
 * The reading end of a ring. Exactly one consumer per ring, on any one thread.
 *
 * Records are handed out as views into the shared memory (no copy), so the read index is published
 * once, after the whole batch: until then the producer cannot overwrite what the callback sees.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ring, ringAlways, sleepOn, sleepOnce, sleepThen, keepAlive } from './doorbell.js';
import { RingCorruptedError } from './errors.js';
import {
  CLOSED,
  CLOSED_BY_CONSUMER,
  CLOSED_BY_PRODUCER,
  CONSUMER_SLEEPING,
  PRODUCER_WAITING,
  READ_INDEX,
  RECORD_HEADER_BYTES,
  WRAP_MARKER,
  WRITE_INDEX,
  recordBytes,
} from './layout.js';
import { RingEnd } from './ringEnd.js';

/** Receives one record: a view into the ring, valid only until the callback returns. */
export type RecordHandler = (record: Uint8Array) => void;

export interface RunOptions {
  /** Stops the loop (it resolves) at the next batch boundary or while asleep. */
  signal?: AbortSignal;
  /** Records per `drain`, i.e. per read-index publish. Default 64. */
  maxRecordsPerDrain?: number;
  /** Records handled before yielding to the event loop (sockets, timers) while data keeps coming. Default 1024. */
  recordsPerTurn?: number;
}

export class RingConsumer extends RingEnd {
  /** Local read index: published once per drain. */
  private read: number;

  constructor(sab: SharedArrayBuffer) {
    super(sab, CLOSED_BY_CONSUMER);
    this.read = Atomics.load(this.ring.control, READ_INDEX) >>> 0;
  }

  /**
   * Hand up to `maxRecords` records to `onRecord` in FIFO order, then release their space with one
   * publish of the read index (and ring the producer if it waits for that much space). Returns the
   * number of records handled. A record whose callback throws counts as consumed (a poison record
   * must not come back forever); the error propagates after the space is released. A length that
   * runs past the published data throws RingCorruptedError rather than walking garbage.
   */
  drain(onRecord: RecordHandler, maxRecords = Infinity): number {
    const { bytes, words, mask, capacity } = this.ring;
    const maxPayload = this.maxRecordBytes;
    const write = Atomics.load(this.ring.control, WRITE_INDEX) >>> 0;
    let read = this.read;
    let handled = 0;
    try {
      while (read !== write && handled < maxRecords) {
        const at = read & mask;
        const length = words[at >> 2]!;
        if (length === WRAP_MARKER) {
          if (capacity - at >= ((write - read) >>> 0)) throw new RingCorruptedError(`wrap marker at offset ${at} with no record after it`);
          read = (read + (capacity - at)) >>> 0;
          continue;
        }
        const size = recordBytes(length);
        if (length > maxPayload || size > ((write - read) >>> 0)) {
          throw new RingCorruptedError(`record length ${length} at offset ${at} runs past the published data`);
        }
        read = (read + size) >>> 0;
        handled++;
        const from = at + RECORD_HEADER_BYTES;
        onRecord(bytes.subarray(from, from + length));
      }
    } finally {
      if (read !== this.read) this.release(read, write);
    }
    return handled;
  }

  /** At least one unread byte (a record or a wrap marker) is published. */
  get hasData(): boolean {
    return (Atomics.load(this.ring.control, WRITE_INDEX) >>> 0) !== this.read;
  }

  /**
   * Resolve when there is data to drain (at once if there is) or the ring is closed. Sleeps on
   * the doorbell: the producer rings only because this announced it sleeps.
   */
  async waitForData(): Promise<void> {
    while (!this.readyToWake()) await this.sleepOnce();
  }

  /**
   * One doorbell sleep without a loop or a promise of its own (see `sleepOnce`): undefined when
   * there is data or a close already (nothing to wait for); otherwise a promise that settles when
   * rung, or spuriously — the caller re-checks. It does not keep the thread alive.
   */
  sleepForData(): Promise<unknown> | undefined {
    const sleep = sleepOnce(this.ring.control, CONSUMER_SLEEPING, 1, this.readyToWake);
    if (sleep !== undefined) this.sleeps++;
    return sleep;
  }

  /** `sleepForData` with a callback (see `sleepThen`): true while a sleep is pending. */
  sleepForDataThen(onWake: () => void): boolean {
    const slept = sleepThen(this.ring.control, CONSUMER_SLEEPING, 1, this.readyToWake, onWake);
    if (slept) this.sleeps++;
    return slept;
  }

  private readonly readyToWake = () => this.hasData || Atomics.load(this.ring.control, CLOSED) !== 0;

  /** One doorbell sleep; undefined when data (or a close) turned up while announcing. */
  private sleepOnce(): Promise<unknown> | undefined {
    const sleep = sleepOn(this.ring.control, CONSUMER_SLEEPING, 1, this.readyToWake);
    if (sleep !== undefined) this.sleeps++;
    return sleep;
  }

  /**
   * Drain in batches until the producer closed and the ring is empty, this consumer is closed,
   * or `signal` aborts; sleep on the doorbell whenever the ring is empty. Keeps the thread alive
   * while running. One wake-up serves every record published meanwhile (piscina's pattern).
   */
  async run(onRecord: RecordHandler, options: RunOptions = {}): Promise<void> {
    const { signal } = options;
    const perDrain = options.maxRecordsPerDrain ?? 64;
    const perTurn = options.recordsPerTurn ?? 1024;
    const control = this.ring.control;
    // An abort while asleep must wake us: ring our own doorbell (same-thread notify works).
    const onAbort = () => ringAlways(control, CONSUMER_SLEEPING);
    signal?.addEventListener('abort', onAbort);
    keepAlive.hold();
    try {
      let sinceYield = 0;
      while (!signal?.aborted) {
        // Read the flags before draining: data published before a close is then in this drain.
        const closed = Atomics.load(control, CLOSED);
        if (closed & CLOSED_BY_CONSUMER) return;
        const handled = this.drain(onRecord, perDrain);
        if (handled > 0 || this.hasData) {
          sinceYield += handled;
          if (sinceYield >= perTurn) {
            sinceYield = 0;
            await yieldToEventLoop();
          }
          continue;
        }
        if (closed & CLOSED_BY_PRODUCER) return;
        sinceYield = 0;
        await this.sleepOnce(); // not waitForData: an abort must get back to the loop test
      }
    } finally {
      keepAlive.release();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stop consuming: the producer's pushes throw and its waits resolve. Idempotent. */
  close(): void {
    this.closeEnd(CLOSED_BY_CONSUMER);
  }

  /** The producer has closed its end: once drained, nothing more will come (there may still be records to drain). */
  get closedByProducer(): boolean {
    return this.closedBy(CLOSED_BY_PRODUCER);
  }

  /** The producer is asleep waiting for space (diagnostics, tests). */
  get producerWaiting(): boolean {
    return Atomics.load(this.ring.control, PRODUCER_WAITING) !== 0;
  }

  /** Publish the new read index; ring the producer if it waits for no more than is now free. */
  private release(read: number, write: number): void {
    this.read = read;
    const control = this.ring.control;
    Atomics.store(control, READ_INDEX, read | 0);
    const wanted = Atomics.load(control, PRODUCER_WAITING);
    if (wanted !== 0 && this.capacity - ((write - read) >>> 0) >= wanted && ring(control, PRODUCER_WAITING, wanted)) {
      this.doorbellRings++;
    }
  }
}
