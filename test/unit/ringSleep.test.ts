import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doorbellKeepAlive, RingBuffer, RingConsumer, RingProducer, sleepForRing, sleepForRingThen, dataWait, spaceWait } from '@kcptunb/ring';
import { RealtimeDriver, RingWakeup, type Runnable, type Wakeup } from '@kcptunb/scheduler';
import { settled } from '../support/settled.js';
import { Worker } from 'node:worker_threads';

/** Resolves once `cond` holds, checked every turn; rejects after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}


test('one-shot sleeps: nothing armed when the condition holds; rung once by a push or a drain; no keep-alive of their own', async () => {
  const sab = RingBuffer.create(1024);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const holders = doorbellKeepAlive.holders;

  const data = sleepForRing(dataWait(consumer));
  assert.ok(data, 'empty ring: a sleep is armed');
  assert.equal(producer.consumerSleeping, true);
  assert.equal(doorbellKeepAlive.holders, holders, 'the caller holds the loop, not the sleep');
  assert.equal(await settled(data), false);
  assert.ok(producer.tryPush(new Uint8Array(60)));
  assert.equal(producer.notifyCount, 1);
  assert.equal(await settled(data), true);
  assert.equal(sleepForRing(dataWait(consumer)), undefined, 'data there: nothing armed');

  while (producer.tryPush(new Uint8Array(60))); // 64-byte records fill the 1024 bytes exactly
  assert.equal(consumer.drain(() => {}, 1), 1);
  assert.equal(sleepForRing(spaceWait(producer, 10)), undefined, '64 bytes free, a small record fits: nothing armed');
  const space = sleepForRing(spaceWait(producer, 200)); // needs 204 bytes
  assert.ok(space, 'a sleep is armed');
  assert.equal(consumer.drain(() => {}, 1), 1);
  assert.equal(await settled(space), false, '128 bytes free: not yet');
  assert.equal(consumer.notifyCount, 0);
  assert.equal(consumer.drain(() => {}, 2), 2);
  assert.equal(consumer.notifyCount, 1);
  assert.equal(await settled(space), true);
  assert.equal(producer.sleepCount, 1);
  assert.equal(consumer.sleepCount, 1);
});

test('RingWakeup: one object and the same arrays run after run, with the waits each run asked for', () => {
  const sab = RingBuffer.create(1024);
  const consumer = new RingConsumer(sab);
  const producer = new RingProducer(RingBuffer.create(1024));
  const w = new RingWakeup(consumer, producer);
  const first = w.set(5, true, 0);
  assert.equal(first, w);
  assert.deepEqual({ at: first.at, kinds: first.rings.map((r) => r.kind) }, { at: 5, kinds: ['data'] });
  const dataOnly = first.rings;
  w.set(7, true, 300);
  assert.deepEqual(w.rings.map((r) => r.kind), ['data', 'space']);
  assert.equal((w.rings[1] as { bytes: number }).bytes, 300);
  w.set(8, false, 20);
  assert.deepEqual(w.rings.map((r) => r.kind), ['space']);
  assert.equal((w.rings[0] as { bytes: number }).bytes, 20);
  w.set(9, false, 0);
  assert.equal(w.rings.length, 0);
  w.set(10, true, 0);
  assert.equal(w.rings, dataOnly, 'the same array again: no garbage per run');
});

test('RealtimeDriver: a shell waiting on its ring runs again when a record lands, once per wake-up, and the loop is held only while it sleeps', { timeout: 10_000 }, async () => {
  const sab = RingBuffer.create(1024);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  const got: number[] = [];
  let runs = 0;
  const wakeup = new RingWakeup(consumer, new RingProducer(RingBuffer.create(1024)));
  const shell: Runnable = {
    run(): Wakeup {
      runs++;
      consumer.drain((r) => got.push(r[0]!));
      return wakeup.set(Infinity, !consumer.closed, 0);
    },
  };
  const holders = doorbellKeepAlive.holders;
  const driver = new RealtimeDriver(() => Date.now());
  try {
    driver.queue.add(shell);
    await until(() => runs === 1 && producer.consumerSleeping, 2000, 'first run, then asleep on the ring');
    assert.equal(doorbellKeepAlive.holders, holders + 1, 'one hold while asleep');
    for (let i = 1; i <= 3; i++) {
      assert.ok(producer.tryPush(Uint8Array.of(i)));
      await until(() => got.length === i && producer.consumerSleeping, 2000, `record ${i} handled, asleep again`);
    }
    assert.deepEqual(got, [1, 2, 3]);
    assert.equal(runs, 4, 'one run per record: no spurious or lost wake-ups');
    assert.equal(producer.notifyCount, 3);
    producer.close();
    await until(() => runs === 5, 2000, 'the close wakes it');
    assert.equal(doorbellKeepAlive.holders, holders, 'nothing pending: the loop is released');
  } finally {
    driver.stop();
  }
});

test('same-thread doorbell: both ends on this thread, the push calls the sleeper before it returns (no Atomics round trip); one end here, Atomics as before', async () => {
  const sab = RingBuffer.create(1024);
  const producer = new RingProducer(sab);
  const consumer = new RingConsumer(sab);
  let woken = 0;
  assert.equal(sleepForRingThen(dataWait(consumer), () => woken++), true, 'empty ring: a sleep is pending');
  producer.tryPush(new Uint8Array([1]));
  assert.equal(woken, 1, 'woken synchronously by the push');
  consumer.drain(() => {});
  // a driver: the consumer's shell runs in the same callback as the producer's, not a turn later
  const order: string[] = [];
  const driver = new RealtimeDriver(() => 0);
  const shell: Runnable = {
    run: (): Wakeup => {
      consumer.drain(() => order.push('drained'));
      return { at: Infinity, rings: [dataWait(consumer)] };
    },
  };
  driver.queue.add(shell);
  await until(() => driver.queue.wakeupOf(shell)!.rings.length === 1 && producer.consumerSleeping, 2000, 'the shell sleeps on its ring');
  const other = new RealtimeDriver(() => 0);
  other.queue.add({ run: (): Wakeup => (producer.tryPush(new Uint8Array([2])), order.push('pushed'), { at: Infinity, rings: [] }) });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['pushed', 'drained'], 'the woken driver ran in the pushing turn');
  driver.stop();
  other.stop();
  producer.close();
  consumer.close();

  // the other end elsewhere (only the consumer here): the sleep goes through Atomics.waitAsync
  const lone = RingBuffer.create(1024);
  const far = new RingConsumer(lone);
  let farWoken = 0;
  assert.equal(sleepForRingThen(dataWait(far), () => farWoken++), true);
  far.close();
  await until(() => farWoken === 1, 2000, 'a close wakes the Atomics sleep');
});

test('a reset (pooled) ring gets a new id: an end of its last use still registered on this thread cannot make the new use look local', async () => {
  const sab = RingBuffer.create(1024);
  const stale = new RingProducer(sab); // an end of the ring's last use whose close never ran here
  RingBuffer.reset(sab);
  const consumer = new RingConsumer(sab); // the new use: only its consumer is on this thread
  let woken = 0;
  assert.equal(sleepForRingThen(dataWait(consumer), () => woken++), true, 'empty ring: a sleep is pending');
  // the new producer is on another thread: its push rings through Atomics, which must reach the sleep
  const ringModule = import.meta.resolve('@kcptunb/ring');
  const worker = new Worker(`import(${JSON.stringify(ringModule)}).then(({ RingProducer }) => { new RingProducer(require('node:worker_threads').workerData).tryPush(new Uint8Array([7])); })`, { eval: true, workerData: sab });
  try {
    await until(() => woken === 1, 5000, 'the push from the other thread to wake the sleep');
    assert.equal(consumer.drain(() => {}), 1);
  } finally {
    await worker.terminate();
    consumer.close();
    void stale;
  }
});
