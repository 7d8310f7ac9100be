/**
 * Single-producer/single-consumer byte rings over a SharedArrayBuffer: how bytes cross between
 * the control thread (TCP/smux) and the data-plane workers (KCP/UDP) without postMessage.
 *
 * ```ts
 * const sab = RingBuffer.create(1 << 20);      // post `sab` to the worker
 * const producer = new RingProducer(sab);      // this thread
 * const consumer = new RingConsumer(sab);      // the worker
 * if (!producer.tryPush(bytes)) await producer.waitForSpace(bytes.length);
 * await consumer.run((record) => handle(record));
 * ```
 */
export { RingBuffer, maxPayloadBytes, recordBytes, HEADER_BYTES, MIN_CAPACITY, MAX_CAPACITY, CONSUMER_SLEEPING, PRODUCER_WAITING } from './layout.js';
export { RingProducer } from './producer.js';
export { RingConsumer, type RecordHandler, type RunOptions } from './consumer.js';
export { InvalidRingError, RecordTooLargeError, RingClosedError, ReservationError, RingCorruptedError } from './errors.js';
export { dataWait, spaceWait, ringWaitMet, awaitRing, sleepForRing, sleepForRingThen, ringWaitEnd, type RingWait } from './wait.js';
export { keepAlive as doorbellKeepAlive } from './doorbell.js';
