/**
 * The writing end of a ring. Exactly one producer per ring, on any one thread.
 *
 * Records are written with plain stores into space the consumer has released, then published with
 * one `Atomics.store` of the write index (a release: the consumer's `Atomics.load` of the index
 * makes the bytes visible). Full ring = back-pressure: the push methods return false / a short
 * count and change nothing; nothing is dropped and nothing grows.
 */
import { ring, sleepOn, sleepOnce, sleepThen } from './doorbell.js';
import { RecordTooLargeError, ReservationError, RingClosedError } from './errors.js';
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

export class RingProducer extends RingEnd {
  /** Local write index: ahead of the published one while a batch is being written. */
  private write: number;
  /** Last read index seen; only reloaded when it says the ring is too full (saves loads). */
  private cachedRead: number;
  /** Set by `reserve`: the offset where the record's length prefix goes, and bytes it may hold. */
  private reservedAt = -1;
  private reservedBytes = 0;
  /** The local write index before the pending reservation, to roll it back. */
  private writeBeforeReserve = 0;
  /** While > 0, pushes are written but not published (see `batch`). */
  private holding = 0;
  /** The write index last made visible. */
  private published: number;

  constructor(sab: SharedArrayBuffer) {
    super(sab, CLOSED_BY_PRODUCER);
    this.write = Atomics.load(this.ring.control, WRITE_INDEX) >>> 0;
    this.published = this.write;
    this.cachedRead = Atomics.load(this.ring.control, READ_INDEX) >>> 0;
  }

  /** Append one record. False when the ring is full (nothing written); throws when closed. */
  tryPush(payload: Uint8Array): boolean {
    const at = this.claim(payload.length);
    if (at < 0) return false;
    this.ring.bytes.set(payload, at + RECORD_HEADER_BYTES);
    this.ring.words[at >> 2] = payload.length;
    this.publish();
    return true;
  }

  /** Append one record made of `parts` in order (e.g. header + payload) without concatenating. */
  tryPushv(parts: readonly Uint8Array[]): boolean {
    let total = 0;
    for (const part of parts) total += part.length;
    const at = this.claim(total);
    if (at < 0) return false;
    let to = at + RECORD_HEADER_BYTES;
    for (const part of parts) {
      this.ring.bytes.set(part, to);
      to += part.length;
    }
    this.ring.words[at >> 2] = total;
    this.publish();
    return true;
  }

  /**
   * Append `records[start … end)` in order, as many as fit, with one publish (and at most one
   * doorbell) for the lot. Returns how many were appended; the rest are untouched.
   */
  tryPushMany(records: readonly Uint8Array[], start = 0, end = records.length): number {
    let i = start;
    for (; i < end; i++) {
      const payload = records[i]!;
      const at = this.claim(payload.length);
      if (at < 0) break;
      this.ring.bytes.set(payload, at + RECORD_HEADER_BYTES);
      this.ring.words[at >> 2] = payload.length;
    }
    if (i > start) this.publish();
    return i - start;
  }

  /**
   * Reserve room for a record of up to `maxBytes` and return a view to write its payload into
   * (e.g. a socket read), or undefined when the ring is full. Nothing is visible to the consumer
   * until `commit`. A second `reserve` before `commit` replaces the first.
   */
  reserve(maxBytes: number): Uint8Array | undefined {
    if (this.reservedAt >= 0) {
      this.write = this.writeBeforeReserve;
      this.reservedAt = -1;
    }
    const before = this.write;
    const at = this.claim(maxBytes);
    if (at < 0) return undefined;
    this.writeBeforeReserve = before;
    this.reservedAt = at;
    this.reservedBytes = maxBytes;
    const from = at + RECORD_HEADER_BYTES;
    return this.ring.bytes.subarray(from, from + maxBytes);
  }

  /** Publish the reserved record with its final length `bytes` (≤ what was reserved). */
  commit(bytes: number): void {
    const at = this.reservedAt;
    if (at < 0) throw new ReservationError('commit without reserve');
    if (Atomics.load(this.ring.control, CLOSED) !== 0) {
      this.reservedAt = -1;
      throw new RingClosedError();
    }
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > this.reservedBytes) {
      throw new ReservationError(`commit of ${bytes} bytes, reserved ${this.reservedBytes}`);
    }
    this.reservedAt = -1;
    // `claim` advanced the local index over the reserved size; take back the unused padding.
    this.write = (this.write - (recordBytes(this.reservedBytes) - recordBytes(bytes))) >>> 0;
    this.ring.words[at >> 2] = bytes;
    this.publish();
  }

  /** Give back a pending reservation unpublished (nothing to write after all). No-op without one. */
  cancel(): void {
    if (this.reservedAt < 0) return;
    this.write = this.writeBeforeReserve;
    this.reservedAt = -1;
  }

  /**
   * Resolve once a record of `payloadBytes` would fit (at once if it does now), or the ring is
   * closed. The consumer rings after a drain that freed enough; pass more than one record's size
   * to be woken less often when the ring is full.
   */
  async waitForSpace(payloadBytes: number): Promise<void> {
    this.checkSize(payloadBytes);
    for (;;) {
      const need = this.bytesNeeded(payloadBytes);
      const fits = () => this.closed || this.free() >= need;
      if (fits()) return;
      const sleep = sleepOn(this.ring.control, PRODUCER_WAITING, need, fits);
      if (sleep === undefined) continue;
      this.sleeps++;
      await sleep;
    }
  }

  /**
   * One doorbell sleep until a record of `payloadBytes` fits, without a loop or a promise of its
   * own (see `sleepOnce`): undefined when it fits now or the ring is closed; otherwise a promise
   * that settles when rung, or spuriously — the caller re-checks. It does not keep the thread alive.
   */
  sleepForSpace(payloadBytes: number): Promise<unknown> | undefined {
    if (this.canFit(payloadBytes)) return undefined;
    this.spaceNeeded = this.bytesNeeded(payloadBytes);
    const sleep = sleepOnce(this.ring.control, PRODUCER_WAITING, this.spaceNeeded, this.fitsNeeded);
    if (sleep !== undefined) this.sleeps++;
    return sleep;
  }

  /** `sleepForSpace` with a callback (see `sleepThen`): true while a sleep is pending. */
  sleepForSpaceThen(payloadBytes: number, onWake: () => void): boolean {
    if (this.canFit(payloadBytes)) return false;
    this.spaceNeeded = this.bytesNeeded(payloadBytes);
    const slept = sleepThen(this.ring.control, PRODUCER_WAITING, this.spaceNeeded, this.fitsNeeded, onWake);
    if (slept) this.sleeps++;
    return slept;
  }

  /** `sleepForSpace`'s condition, bound once (no closure per sleep). */
  private spaceNeeded = 0;
  private readonly fitsNeeded = (): boolean => this.closed || this.free() >= this.spaceNeeded;

  /**
   * A record of `payloadBytes` would fit now, or the ring is closed (a push would then throw, so
   * there is nothing left to wait for). The synchronous twin of `waitForSpace`.
   */
  canFit(payloadBytes: number): boolean {
    this.checkSize(payloadBytes);
    return this.closed || this.free() >= this.bytesNeeded(payloadBytes);
  }

  /** Stop producing: the consumer drains what is there, then sees the ring closed. Idempotent. */
  close(): void {
    this.closeEnd(CLOSED_BY_PRODUCER);
  }

  /** The consumer has closed its end: pushes throw. */
  get closedByConsumer(): boolean {
    return this.closedBy(CLOSED_BY_CONSUMER);
  }

  /** The consumer has announced it is asleep waiting for data (diagnostics, tests). */
  get consumerSleeping(): boolean {
    return Atomics.load(this.ring.control, CONSUMER_SLEEPING) !== 0;
  }

  /** Bytes free right now, reloading the consumer's read index. */
  private free(): number {
    this.cachedRead = Atomics.load(this.ring.control, READ_INDEX) >>> 0;
    return this.capacity - ((this.write - this.cachedRead) >>> 0);
  }

  /** Bytes of ring a record of `payloadBytes` takes at the current write offset, wrap skip included. */
  private bytesNeeded(payloadBytes: number): number {
    const size = recordBytes(payloadBytes);
    const tail = this.capacity - (this.write & this.ring.mask);
    return tail < size ? tail + size : size;
  }

  private checkSize(payloadBytes: number): void {
    if (!(payloadBytes <= this.maxRecordBytes && payloadBytes >= 0)) {
      throw new RecordTooLargeError(payloadBytes, this.maxRecordBytes);
    }
  }

  /**
   * Find room for a record of `payloadBytes`: writes the wrap marker if needed, advances the local
   * write index over the record and returns the data offset of its length prefix; -1 when full.
   */
  private claim(payloadBytes: number): number {
    // A push now would publish the reserved record's bytes before they are written.
    if (this.reservedAt >= 0) throw new ReservationError('push while a reservation is pending: commit first');
    this.checkSize(payloadBytes);
    if (Atomics.load(this.ring.control, CLOSED) !== 0) throw new RingClosedError();
    const size = recordBytes(payloadBytes);
    let at = this.write & this.ring.mask;
    const tail = this.capacity - at;
    const need = tail < size ? tail + size : size;
    if (this.capacity - ((this.write - this.cachedRead) >>> 0) < need && this.free() < need) return -1;
    if (tail < size) {
      this.ring.words[at >> 2] = WRAP_MARKER;
      at = 0;
    }
    this.write = (this.write + need) >>> 0;
    return at;
  }

  /**
   * Run `fn` with publication deferred: every record it pushes becomes visible
   * (and the consumer is woken, if asleep) once, at the end. One doorbell per
   * batch instead of one per record when the consumer keeps falling asleep.
   */
  batch<T>(fn: () => T): T {
    this.holding++;
    try {
      return fn();
    } finally {
      if (--this.holding === 0) this.publish();
    }
  }

  /** Make everything written so far visible; ring the consumer only if it said it sleeps. */
  private publish(): void {
    if (this.holding > 0) return;
    // nothing new since the last publication: no store, and above all no wake-up
    if (this.write === this.published) return;
    this.published = this.write;
    Atomics.store(this.ring.control, WRITE_INDEX, this.write | 0);
    if (Atomics.load(this.ring.control, CONSUMER_SLEEPING) !== 0 && ring(this.ring.control, CONSUMER_SLEEPING, 1)) {
      this.doorbellRings++;
    }
  }
}
