/**
 * The shared-memory layout of one single-producer/single-consumer byte ring.
 *
 * ```
 * byte 0    write index        (producer stores, consumer loads)   ─┐
 * byte 64   read index         (consumer stores, producer loads)    │ one 64-byte cache line
 * byte 128  consumer sleeping  (1 while the consumer waits for data)│ each, so the two threads
 * byte 192  producer waiting   (bytes it needs free, 0 = not)       │ never write the same line
 * byte 256  closed             (CLOSED_BY_PRODUCER | _BY_CONSUMER)  │ (no false sharing)
 * byte 260  ring id            (two words, set once: sameThread.ts) │
 * byte 320  data region        `capacity` bytes, a power of two    ─┘
 * ```
 *
 * The indices are free-running u32 byte counters (stored in Int32 words, read back with `>>> 0`):
 * `write − read` (mod 2³²) is the number of bytes in use, `index & (capacity − 1)` the offset in
 * the data region. Free-running counters tell "full" from "empty" without wasting a slot.
 *
 * A record is a u32 length (host byte order: both ends share one machine) followed by the payload,
 * padded to 4 bytes so every length word is aligned. A record that does not fit before the end of
 * the data region is preceded by a wrap marker (`WRAP_MARKER` in place of a length): the reader
 * skips to offset 0.
 */
import { InvalidRingError } from './errors.js';
import { stampRing } from './sameThread.js';

/** Bytes per control word slot: one cache line, so producer and consumer words never share one. */
export const CACHE_LINE_BYTES = 64;
const WORDS_PER_LINE = CACHE_LINE_BYTES / 4;

/** Int32 word index of the write index (free-running byte counter, published by the producer). */
export const WRITE_INDEX = 0 * WORDS_PER_LINE;
/** Int32 word index of the read index (free-running byte counter, published by the consumer). */
export const READ_INDEX = 1 * WORDS_PER_LINE;
/** Int32 word index of the consumer's doorbell: 1 while it sleeps waiting for data. */
export const CONSUMER_SLEEPING = 2 * WORDS_PER_LINE;
/** Int32 word index of the producer's doorbell: the free bytes it waits for, 0 when not waiting. */
export const PRODUCER_WAITING = 3 * WORDS_PER_LINE;
/** Int32 word index of the closed flags. */
export const CLOSED = 4 * WORDS_PER_LINE;
/** Int32 word index of the ring's id (two words, written once at creation; sameThread.ts). */
export const RING_ID = CLOSED + 1;

/** Bit in `CLOSED`: the producer will push no more (the consumer still drains what is there). */
export const CLOSED_BY_PRODUCER = 1;
/** Bit in `CLOSED`: the consumer will read no more (pushing throws). */
export const CLOSED_BY_CONSUMER = 2;

/** Bytes before the data region. */
export const HEADER_BYTES = 5 * CACHE_LINE_BYTES;
/** Bytes of the length prefix of every record. */
export const RECORD_HEADER_BYTES = 4;
/** Written where a length belongs: "no record here, continue at offset 0". */
export const WRAP_MARKER = 0xffffffff;

/** Smallest data region: room for a 4-byte payload (max record = capacity / 2). */
export const MIN_CAPACITY = 16;
/** Largest data region: keeps `write − read` far from u32 overflow and lengths below WRAP_MARKER. */
export const MAX_CAPACITY = 2 ** 30;

/** Bytes a record with `payloadBytes` occupies: length prefix + payload padded to 4 bytes. */
export function recordBytes(payloadBytes: number): number {
  return RECORD_HEADER_BYTES + ((payloadBytes + 3) & ~3);
}

/**
 * Largest payload for a ring of `capacity` bytes: capacity / 2 − 4, i.e. a whole record (prefix
 * included) takes at most half the ring. That bound makes every record fit in an empty ring
 * whatever the write offset: if it does not fit before the end, the skipped tail is smaller than
 * the record, so tail + record ≤ capacity.
 */
export function maxPayloadBytes(capacity: number): number {
  return capacity / 2 - RECORD_HEADER_BYTES;
}

/** Typed views over one ring's SharedArrayBuffer, shared by producer and consumer. */
export interface RingViews {
  readonly capacity: number;
  /** capacity − 1: turns a free-running index into a data-region offset. */
  readonly mask: number;
  /** Control words (Int32, because Atomics.wait/notify work on Int32Array). */
  readonly control: Int32Array;
  /** The data region, byte-wise. */
  readonly bytes: Uint8Array;
  /** The data region, word-wise, for length prefixes and wrap markers. */
  readonly words: Uint32Array;
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) !== 0) {
    throw new InvalidRingError(`capacity must be a power of two in [${MIN_CAPACITY}, 2^30], got ${capacity}`);
  }
}

/** Attach typed views to a ring buffer made by `RingBuffer.create` (on either thread). */
export function attachRing(sab: SharedArrayBuffer): RingViews {
  if (!(sab instanceof SharedArrayBuffer)) throw new InvalidRingError('a ring lives in a SharedArrayBuffer');
  const capacity = sab.byteLength - HEADER_BYTES;
  checkCapacity(capacity);
  return {
    capacity,
    mask: capacity - 1,
    control: new Int32Array(sab, 0, HEADER_BYTES / 4),
    bytes: new Uint8Array(sab, HEADER_BYTES, capacity),
    words: new Uint32Array(sab, HEADER_BYTES, capacity / 4),
  };
}

/** Allocation and sizing of rings. The SharedArrayBuffer is the ring: post it to the other thread. */
export const RingBuffer = {
  /** Allocate a ring whose data region holds `capacityBytes` (a power of two, 16 … 2^30). */
  create(capacityBytes: number): SharedArrayBuffer {
    checkCapacity(capacityBytes);
    const sab = new SharedArrayBuffer(HEADER_BYTES + capacityBytes); // zero-filled: empty, open
    stampRing(new Int32Array(sab, 0, HEADER_BYTES / 4));
    return sab;
  },
  /**
   * Make a ring whose both ends are closed empty and open again (reuse), under a new id: what any
   * thread remembers of its old ends (sameThread.ts) can then never be taken for the new ones.
   */
  reset(sab: SharedArrayBuffer): void {
    const control = attachRing(sab).control;
    control.fill(0);
    stampRing(control);
  },
  /** Data-region size of an existing ring. */
  capacityOf(sab: SharedArrayBuffer): number {
    return attachRing(sab).capacity;
  },
  /** Published bytes the consumer has not released yet (diagnostics, statistics; either thread). */
  unreadBytes(sab: SharedArrayBuffer): number {
    const { control } = attachRing(sab);
    return (Atomics.load(control, WRITE_INDEX) - Atomics.load(control, READ_INDEX)) >>> 0;
  },
  /** Largest payload one record can carry in a ring of `capacityBytes`: capacity / 2 − 4. */
  maxPayloadBytes,
  /** Bytes a record of `payloadBytes` takes in the data region (prefix + padding). */
  recordBytes,
} as const;
