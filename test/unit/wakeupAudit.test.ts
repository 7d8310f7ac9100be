import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUMER_SLEEPING, dataWait, HEADER_BYTES, RingBuffer, RingConsumer, RingProducer } from '@kcptunb/ring';
import { IDLE, RealtimeDriver, reportMissedWakeups, RunQueue, WakeupAudit, type Runnable, type Wakeup } from '@kcptunb/scheduler';

/** A shell whose work and wake-up the test sets. */
class Shell implements Runnable {
  runs = 0;
  work = false;
  wakeup: Wakeup = IDLE;
  run(): Wakeup {
    this.runs++;
    return this.wakeup;
  }
  canProgress(): boolean {
    return this.work;
  }
}

test('audit: a shell that can progress, is not dirty and has no timer due is run on the second audit in a row, and counted', () => {
  const queue = new RunQueue<Shell>();
  const audit = new WakeupAudit<Shell>(1000);
  const stalled = new Shell();
  const timed = new Shell();
  const quiet = new Shell();
  const ranBetween = new Shell();
  for (const s of [stalled, timed, quiet, ranBetween]) queue.add(s);
  queue.runDue(0);
  stalled.work = timed.work = ranBetween.work = true;
  timed.wakeup = { at: 1500, rings: [] }; // due within the period: its timer runs it
  queue.runDue(0); // nothing dirty: records the wake-ups only
  for (const s of [stalled, timed, quiet, ranBetween]) queue.markDirty(s);
  audit.ran(queue.runDue(0));
  assert.deepEqual(audit.check(queue, 1000), [], 'the first sighting only makes suspects');
  audit.ran([ranBetween]); // it ran since: no longer a suspect
  assert.deepEqual(audit.check(queue, 2000), [stalled]);
  assert.equal(audit.missed, 1);
  queue.markDirty(stalled);
  assert.deepEqual(audit.check(queue, 3000), [ranBetween], 'dirty shells are not audited; ranBetween was found twice now');
  assert.equal(audit.missed, 2);
});

test('driver: a lost wake-up is rescued within two audit periods and reported; a correct shell never is', async () => {
  const missed: Shell[] = [];
  const driver = new RealtimeDriver<Shell>(() => performance.now(), undefined, { auditEveryMs: 20, onMissedWakeup: (s) => missed.push(s) });
  try {
    const buggy = new Shell();
    const fine = new Shell();
    driver.queue.add(buggy);
    driver.queue.add(fine);
    await until(() => buggy.runs === 1 && fine.runs === 1, 2000, 'the first runs');
    buggy.work = true; // work appears and nothing marks the shell dirty: a lost wake-up
    await until(() => buggy.runs === 2, 2000, 'the audit to run it again');
    assert.equal(missed.length, 1);
    assert.deepEqual(missed, [buggy]);
    assert.equal(driver.missedWakeups, 1);
    buggy.work = false;
    assert.equal(fine.runs, 1);
  } finally {
    driver.stop();
  }
});

test('driver: a rescued shell whose doorbell sleep was lost gets a fresh sleep, which the next push rings', async () => {
  const sab = RingBuffer.create(1024);
  const control = new Int32Array(sab, 0, HEADER_BYTES / 4);
  const consumer = new RingConsumer(sab);
  const producer = new RingProducer(sab);
  let drained = 0;
  const shell = {
    runs: 0,
    run(): Wakeup {
      this.runs++;
      drained += consumer.drain(() => {});
      return { at: Infinity, rings: [dataWait(consumer)] };
    },
    canProgress: () => consumer.hasData,
  };
  const missed: unknown[] = [];
  const driver = new RealtimeDriver<Runnable>(() => performance.now(), undefined, { auditEveryMs: 20, onMissedWakeup: (s) => missed.push(s) });
  try {
    driver.queue.add(shell);
    await until(() => shell.runs === 1 && producer.consumerSleeping, 2000, 'the first run and its sleep');
    // the sleeper's announcement vanishes: the push publishes without ringing, the sleep is never woken
    Atomics.store(control, CONSUMER_SLEEPING, 0);
    assert.ok(producer.tryPush(new Uint8Array(10)));
    assert.equal(producer.notifyCount, 0);
    await until(() => drained === 1, 2000, 'the audit to run the shell');
    assert.equal(missed.length, 1);
    await until(() => producer.consumerSleeping, 2000, 'a fresh sleep');
    assert.ok(producer.tryPush(new Uint8Array(10)));
    assert.equal(producer.notifyCount, 1, 'this push rings the fresh sleep');
    await until(() => drained === 2, 2000, 'the rung shell to drain');
    assert.equal(missed.length, 1, 'no second rescue');
  } finally {
    driver.stop();
    consumer.close(); // settles the pending sleep (it holds the event loop)
  }
});

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('reportMissedWakeups: every rescue counted, the first 20 logged with the shell state', () => {
  let total = 0;
  const lines: string[] = [];
  const report = reportMissedWakeups('shard 0', () => ++total, (l) => lines.push(l));
  const shell = Object.assign(new Shell(), { stallReport: () => 'inbox 1' });
  for (let i = 0; i < 25; i++) report(shell);
  assert.equal(total, 25);
  assert.equal(lines.length, 20);
  assert.equal(lines[0], 'shard 0: missed wake-up (1), ran inbox 1');
});
