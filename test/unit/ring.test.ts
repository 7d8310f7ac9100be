import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import {
  InvalidRingError,
  RecordTooLargeError,
  ReservationError,
  RingBuffer,
  RingClosedError,
  RingConsumer,
  RingProducer,
  maxPayloadBytes,
  recordBytes,
} from '@kcptunb/ring';
import { ringDuplex } from '@kcptunb/testkit';
import type { RingWorkerData } from '../support/ringWorker.js';
import { settled } from '../support/settled.js';

const WORKER_URL = new URL('../support/ringWorker.js', import.meta.url);

/** Payload whose bytes identify (sequence, position): any reorder, loss or overlap shows. */
function payload(seq: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seq * 131 + i * 7 + (i >> 8)) & 0xff;
  return out;
}

/** Push `size`-byte records until the ring refuses one (bounded); returns how many went in. */
function fillRing(producer: RingProducer, size: number): number {
  let pushed = 0;
  while (pushed < 100_000 && producer.tryPush(new Uint8Array(size))) pushed++;
  assert.ok(pushed < 100_000, 'ring never reported full');
  return pushed;
}

function drainAll(consumer: RingConsumer, maxRecords?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  consumer.drain((r) => out.push(r.slice()), maxRecords);
  return out;
}

/** Reject if `promise` has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}


/**
 * Naive model of the ring's space accounting: unbounded byte counters, the wrap rule spelled out.
 * It decides independently when a push must fail.
 */
class RingModel {
  write = 0;
  read = 0;
  readonly queue: Array<{ bytes: Uint8Array; end: number }> = [];
  constructor(readonly capacity: number) {}
  /** Ring bytes a record of `size` payload bytes takes now, including a skipped tail. */
  need(size: number): number {
    const record = 4 + Math.ceil(size / 4) * 4;
    const tail = this.capacity - (this.write % this.capacity);
    return tail < record ? tail + record : record;
  }
  fits(size: number): boolean {
    return this.capacity - (this.write - this.read) >= this.need(size);
  }
  /** Push `bytes`, having reserved room for `reserved` bytes (reserve/commit), else its own size. */
  push(bytes: Uint8Array, reserved = bytes.length): void {
    const skip = this.need(reserved) - (4 + Math.ceil(reserved / 4) * 4);
    this.write += skip + 4 + Math.ceil(bytes.length / 4) * 4;
    this.queue.push({ bytes, end: this.write });
  }
  take(max: number): Uint8Array[] {
    const taken = this.queue.splice(0, max);
    if (taken.length > 0) this.read = taken[taken.length - 1]!.end;
    return taken.map((t) => t.bytes);
  }
}

type Op =
  | { kind: 'push' | 'pushv' | 'many'; sizes: number[] }
  | { kind: 'reserve'; size: number; extra: number }
  | { kind: 'drain'; max: number };

test('layout: capacity and record-size rules', () => {
  const sab = RingBuffer.create(1024);
  assert.equal(RingBuffer.capacityOf(sab), 1024);
  assert.equal(maxPayloadBytes(1024), 508);
  assert.equal(recordBytes(0), 4);
  assert.equal(recordBytes(5), 12);
  for (const bad of [0, 8, 100, 1000, 3 * 1024, 2 ** 31]) assert.throws(() => RingBuffer.create(bad), InvalidRingError);
  assert.throws(() => new RingProducer(new SharedArrayBuffer(320 + 100)), InvalidRingError);
  assert.throws(() => new RingConsumer(new ArrayBuffer(320 + 64) as unknown as SharedArrayBuffer), InvalidRingError);
});

test('property: random push/pushv/reserve/pushMany/drain sequences match a naive model (FIFO, full exactly when the model says)', () => {
  const capacities = [16, 32, 64, 128, 1024];
  const arb = fc.constantFrom(...capacities).chain((capacity) => {
    const max = maxPayloadBytes(capacity);
    const size = fc.oneof(fc.constant(0), fc.constant(max), fc.integer({ min: 0, max }), fc.integer({ min: 0, max: Math.min(max, 12) }));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('push' as const), sizes: fc.tuple(size) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('pushv' as const), sizes: fc.array(fc.integer({ min: 0, max: Math.ceil(max / 3) }), { maxLength: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('reserve' as const), size, extra: fc.integer({ min: 0, max: 9 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('many' as const), sizes: fc.array(size, { maxLength: 6 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('drain' as const), max: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 4 })) }) },
    );
    return fc.tuple(fc.constant(capacity), fc.array(op, { minLength: 1, maxLength: 200 }));
  });
  fc.assert(
    fc.property(arb, ([capacity, ops]) => {
      const sab = RingBuffer.create(capacity);
      const producer = new RingProducer(sab);
      const consumer = new RingConsumer(sab);
      const model = new RingModel(capacity);
      let seq = 0;
      for (const op of ops) {
        switch (op.kind) {
          case 'push': {
            const bytes = payload(seq++, op.sizes[0]!);
            const fits = model.fits(bytes.length);
            assert.equal(producer.tryPush(bytes), fits);
            if (fits) model.push(bytes);
            break;
          }
          case 'pushv': {
            const total = op.sizes.reduce((a, b) => a + b, 0);
            if (total > producer.maxRecordBytes) {
              assert.throws(() => producer.tryPushv(op.sizes.map((s) => new Uint8Array(s))), RecordTooLargeError);
              break;
            }
            const bytes = payload(seq++, total);
            const parts: Uint8Array[] = [];
            let at = 0;
            for (const s of op.sizes) parts.push(bytes.subarray(at, (at += s)));
            const fits = model.fits(total);
            assert.equal(producer.tryPushv(parts), fits);
            if (fits) model.push(bytes);
            break;
          }
          case 'reserve': {
            const reserved = Math.min(producer.maxRecordBytes, op.size + op.extra);
            const bytes = payload(seq++, op.size);
            const view = producer.reserve(reserved);
            assert.equal(view !== undefined, model.fits(reserved));
            if (view) {
              assert.equal(view.length, reserved);
              view.set(bytes);
              assert.throws(() => producer.commit(reserved + 1), ReservationError);
              producer.commit(bytes.length);
              model.push(bytes, reserved);
            }
            break;
          }
          case 'many': {
            const records = op.sizes.map((s) => payload(seq++, s));
            let expected = 0;
            while (expected < records.length && model.fits(records[expected]!.length)) model.push(records[expected++]!);
            assert.equal(producer.tryPushMany(records), expected);
            break;
          }
          case 'drain': {
            const got = drainAll(consumer, op.max);
            assert.deepEqual(got, model.take(op.max));
            break;
          }
        }
        assert.equal(consumer.hasData, model.write !== model.read);
      }
      assert.deepEqual(drainAll(consumer), model.take(Infinity));
      assert.equal(consumer.hasData, false);
    }),
    { numRuns: 300 },
  );
});

test('wrap-around at every offset, every size from 0 to the maximum; a maximal record fits an empty ring anywhere', () => {
  for (const capacity of [16, 64, 256]) {
    const max = maxPayloadBytes(capacity);
    for (let offset = 0; offset < capacity; offset += 4) {
      for (let size = 0; size <= max; size++) {
        const sab = RingBuffer.create(capacity);
        const producer = new RingProducer(sab);
        const consumer = new RingConsumer(sab);
        // Walk the (empty) ring to `offset` with filler records of at most half the ring.
        for (let at = 0; at < offset; ) {
          const step = Math.min(offset - at, capacity / 2);
          assert.ok(producer.tryPush(new Uint8Array(step - 4)));
          assert.equal(consumer.drain(() => {}), 1);
          at += step;
        }
        const model = new RingModel(capacity);
        model.write = model.read = offset;
        const first = payload(size, size);
        assert.ok(model.fits(size));
        assert.ok(producer.tryPush(first), `capacity ${capacity} offset ${offset} size ${size}`);
        model.push(first);
        // A second record right behind it: accepted exactly when the model says it fits.
        const second = payload(size + 1, size % 9);
        const secondFits = model.fits(second.length);
        assert.equal(producer.tryPush(second), secondFits);
        assert.deepEqual(drainAll(consumer), secondFits ? [first, second] : [first]);
        assert.equal(consumer.hasData, false);
      }
    }
    const producer = new RingProducer(RingBuffer.create(capacity));
    assert.throws(() => producer.tryPush(new Uint8Array(max + 1)), RecordTooLargeError);
    assert.throws(() => producer.reserve(max + 1), RecordTooLargeError);
  }
});

test('tryPush is false exactly when full; nothing is dropped; space comes back after a drain', () => {
  const sab = RingBuffer.create(4096);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const record = new Uint8Array(100); // 104 ring bytes
  let pushed = 0;
  while (producer.tryPush(payload(pushed, 100)) && pushed < 10_000) pushed++;
  assert.equal(pushed, Math.floor(4096 / recordBytes(100)));
  assert.equal(producer.tryPush(record), false);
  assert.equal(producer.tryPush(new Uint8Array(0)), true, 'a 4-byte record still fits in the 40 left');
  assert.equal(drainAll(consumer, 1)[0]!.length, 100);
  assert.equal(producer.tryPush(record), true);
  const rest = drainAll(consumer);
  assert.equal(rest.length, pushed + 1);
  for (let i = 1; i < pushed; i++) assert.deepEqual(rest[i - 1], payload(i, 100));
});

test('reserve/commit: one publish per commit, nothing visible before, misuse is a ReservationError', () => {
  const sab = RingBuffer.create(256);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  assert.throws(() => producer.commit(0), ReservationError);
  const view = producer.reserve(50)!;
  view.fill(7, 0, 20);
  assert.equal(consumer.hasData, false, 'reserved bytes are not published');
  assert.throws(() => producer.tryPush(new Uint8Array(1)), ReservationError);
  producer.commit(20);
  assert.deepEqual(drainAll(consumer), [new Uint8Array(20).fill(7)]);
  // A second reserve replaces the first (its space is taken back).
  producer.reserve(100);
  const again = producer.reserve(8)!;
  again.set([1, 2, 3, 4, 5, 6, 7, 8]);
  producer.commit(8);
  assert.deepEqual(drainAll(consumer), [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)]);
  // Full: reserve says so without side effects.
  fillRing(producer, 60);
  assert.equal(producer.reserve(60), undefined);
});

test('drain: views into the ring, read index published once, a throwing callback consumes its record', () => {
  const sab = RingBuffer.create(1024);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const readIndex = new Int32Array(sab, 64, 1);
  for (let i = 0; i < 5; i++) producer.tryPush(payload(i, 10));
  const seen: number[] = [];
  consumer.drain((view) => {
    assert.equal(view.buffer, sab, 'a view, not a copy');
    seen.push(Atomics.load(readIndex, 0));
  });
  assert.deepEqual(seen, [0, 0, 0, 0, 0], 'the read index did not move during the drain');
  assert.equal(Atomics.load(readIndex, 0), 5 * recordBytes(10));
  producer.tryPush(payload(5, 3));
  producer.tryPush(payload(6, 3));
  assert.throws(() => consumer.drain(() => { throw new Error('poison'); }), /poison/);
  assert.deepEqual(drainAll(consumer), [payload(6, 3)]);
  assert.equal(consumer.drain(() => {}, 0), 0);
});

test('doorbell: a sleeping consumer is rung once; an awake consumer costs the producer no notify', async () => {
  const sab = RingBuffer.create(1 << 16);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const waiting = consumer.waitForData();
  assert.equal(producer.consumerSleeping, true);
  assert.equal(await settled(waiting), false);
  assert.ok(producer.tryPush(payload(0, 10)));
  assert.equal(producer.notifyCount, 1);
  await within(waiting, 2000, 'waitForData after a push');
  assert.equal(consumer.sleepCount, 1);
  assert.equal(producer.consumerSleeping, false);
  for (let i = 1; i <= 100; i++) assert.ok(producer.tryPush(payload(i, 10)));
  assert.equal(producer.tryPushMany([payload(101, 1), payload(102, 2)]), 2);
  assert.equal(producer.notifyCount, 1, 'consumer awake: no notify');
  await consumer.waitForData(); // data there: resolves at once, no sleep
  assert.equal(consumer.sleepCount, 1);
  assert.equal(drainAll(consumer).length, 103);
});

test('doorbell, back-pressure: waitForSpace sleeps until a drain frees what it needs, then the consumer rings once', async () => {
  const sab = RingBuffer.create(1024);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  assert.equal(fillRing(producer, 60), 16); // 64-byte records
  const waiting = producer.waitForSpace(200); // needs 204 bytes: four records
  assert.equal(consumer.producerWaiting, true);
  assert.equal(consumer.drain(() => {}, 2), 2);
  assert.equal(consumer.notifyCount, 0, '128 bytes free < 204: not rung');
  assert.equal(await settled(waiting), false);
  assert.equal(consumer.drain(() => {}, 2), 2);
  assert.equal(consumer.notifyCount, 1);
  await within(waiting, 2000, 'waitForSpace after drains');
  assert.equal(producer.sleepCount, 1);
  assert.ok(producer.tryPush(new Uint8Array(200)));
  assert.equal(consumer.drain(() => {}), 13);
  assert.equal(consumer.notifyCount, 1, 'nobody waiting: no notify');
  await producer.waitForSpace(producer.maxRecordBytes); // fits now: at once
  assert.equal(producer.sleepCount, 1);
});

test('close: wakes the peer, waiting promises resolve, pushes throw, the consumer still drains what was sent', async () => {
  {
    const sab = RingBuffer.create(256);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    const waiting = consumer.waitForData();
    producer.close();
    await within(waiting, 2000, 'waitForData after producer close');
    assert.equal(consumer.closed, true);
    assert.equal(consumer.closedByProducer, true);
    assert.throws(() => producer.tryPush(new Uint8Array(1)), RingClosedError);
  }
  {
    const sab = RingBuffer.create(256);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    fillRing(producer, 28);
    const waiting = producer.waitForSpace(28);
    consumer.close();
    await within(waiting, 2000, 'waitForSpace after consumer close');
    assert.equal(producer.closed, true);
    assert.equal(producer.closedByConsumer, true);
    assert.throws(() => producer.tryPush(new Uint8Array(1)), RingClosedError);
    assert.throws(() => producer.reserve(1), RingClosedError);
  }
  {
    // A reservation pending when the consumer closes cannot be committed.
    const sab = RingBuffer.create(256);
    const producer = new RingProducer(sab);
    producer.reserve(10)!.fill(1);
    new RingConsumer(sab).close();
    assert.throws(() => producer.commit(10), RingClosedError);
    assert.throws(() => producer.commit(10), ReservationError);
  }
  {
    // run(): drains everything pushed before the close, then ends.
    const sab = RingBuffer.create(4096);
    const producer = new RingProducer(sab);
    const consumer = new RingConsumer(sab);
    const got: Uint8Array[] = [];
    const running = consumer.run((r) => got.push(r.slice()), { maxRecordsPerDrain: 3 });
    for (let i = 0; i < 200; i++) {
      for (let attempt = 0; !producer.tryPush(payload(i, i % 50)); attempt++) {
        assert.ok(attempt < 1000, 'no space after 1000 waits');
        await within(producer.waitForSpace(i % 50), 2000, 'space');
      }
      if (i % 17 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    producer.close();
    await within(running, 2000, 'run after close');
    assert.equal(got.length, 200);
    for (let i = 0; i < 200; i++) assert.deepEqual(got[i], payload(i, i % 50));
  }
  {
    // run(): an abort signal ends a sleeping loop.
    const consumer = new RingConsumer(RingBuffer.create(64));
    const abort = new AbortController();
    const running = consumer.run(() => {}, { signal: abort.signal });
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await within(running, 2000, 'run after abort');
  }
});

async function startWorker(data: RingWorkerData): Promise<{ worker: Worker; messages: unknown[]; next(): Promise<unknown> }> {
  const worker = new Worker(WORKER_URL, { workerData: data });
  const messages: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  worker.on('message', (m) => (waiters.length ? waiters.shift()!(m) : messages.push(m)));
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`ring worker exited (${code}) early`)));
  });
  failed.catch(() => {});
  return {
    worker,
    messages,
    next: () => Promise.race([messages.length ? Promise.resolve(messages.shift()) : new Promise((resolve) => waiters.push(resolve)), failed]),
  };
}

/** Poll `condition` (a flag another thread sets) for up to `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test('cross-thread: 64 MiB of varied records each way at once, every record arrives, in order, on both ends', { timeout: 180_000 }, async () => {
  // correctness only (throughput is the ring bench's, bench/src/ring.ts); the limit is a hang guard
  const totalBytes = 64 * 2 ** 20;
  const r = await ringDuplex({ totalBytes, timeoutMs: 150_000 });
  assert.ok(r.sent.bytes >= totalBytes && r.workerSent.bytes >= totalBytes, 'both streams complete');
  assert.deepEqual(r.workerReceived, r.sent, 'main → worker: same records, same order (SHA-256 over the sequence)');
  assert.deepEqual(r.received, r.workerSent, 'worker → main');
});

test('cross-thread doorbell: the worker sleeps, one push wakes it with one notify, pushes while it is awake notify nobody', { timeout: 10_000 }, async () => {
  const toWorker = RingBuffer.create(1 << 16);
  const { worker, next } = await startWorker({ mode: 'doorbell', toWorker });
  try {
    const producer = new RingProducer(toWorker);
    await until(() => producer.consumerSleeping, 5000, 'worker asleep');
    assert.ok(producer.tryPush(payload(0, 1350)));
    assert.equal(producer.notifyCount, 1);
    assert.deepEqual(await within(next(), 5000, 'worker woke'), { woke: true, sleeps: 1 });
    for (let i = 1; i <= 200; i++) assert.ok(producer.tryPush(payload(i, 100)));
    assert.equal(producer.notifyCount, 1, 'awake worker: no notify');
    worker.postMessage('drain');
    assert.deepEqual(await within(next(), 5000, 'worker drained'), { records: 201 });
  } finally {
    await worker.terminate();
  }
});

test('cross-thread close: closing wakes a peer waiting for data, and one waiting for space', { timeout: 10_000 }, async () => {
  const toWorker = RingBuffer.create(1024);
  const fromWorker = RingBuffer.create(1024);
  const { worker, next } = await startWorker({ mode: 'close', toWorker, fromWorker });
  try {
    const producer = new RingProducer(toWorker);
    await until(() => producer.consumerSleeping, 5000, 'worker asleep for data');
    producer.close();
    assert.deepEqual(await within(next(), 5000, 'data wait ended'), { dataWaitEnded: true, closed: true, closedByProducer: true, hasData: false });
    const consumer = new RingConsumer(fromWorker);
    await until(() => consumer.producerWaiting, 5000, 'worker asleep for space');
    consumer.close();
    assert.deepEqual(await within(next(), 5000, 'space wait ended'), { spaceWaitEnded: true, closed: true, closedByConsumer: true });
  } finally {
    await worker.terminate();
  }
});
