/** One Error class per misuse, so callers and tests match on type rather than message text. */

/** The SharedArrayBuffer is not a ring (wrong type or a data region that is not a power of two). */
export class InvalidRingError extends TypeError {
  override readonly name = 'InvalidRingError';
}

/** A record larger than the ring's maximum payload (capacity / 2 − 4); it could never fit. */
export class RecordTooLargeError extends RangeError {
  override readonly name = 'RecordTooLargeError';
  constructor(
    readonly payloadBytes: number,
    readonly maxPayloadBytes: number,
  ) {
    super(`record of ${payloadBytes} bytes exceeds the ring's maximum of ${maxPayloadBytes}`);
  }
}

/** Pushing into a ring that either side has closed: the bytes would never be read. */
export class RingClosedError extends Error {
  override readonly name = 'RingClosedError';
  constructor() {
    super('ring is closed');
  }
}

/** `commit` without a matching `reserve`, or committing more than was reserved. */
export class ReservationError extends Error {
  override readonly name = 'ReservationError';
}

/**
 * The data region holds a length that cannot be right (beyond what was published or the maximum):
 * a second producer, a foreign write into the SharedArrayBuffer, or a bug. Stops a drain from
 * walking garbage.
 */
export class RingCorruptedError extends Error {
  override readonly name = 'RingCorruptedError';
}
