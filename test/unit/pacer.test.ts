/** `--ratelimit` pacing (docs/protocol.md §7.11): the token bucket's bounds on a virtual clock (accuracy is bench/src/pacing.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Pacer } from '@kcptunb/session';

test('property: bytes released by time t never exceed burst + rate·t, order is kept, and nothing waits past its due time', () => {
  fc.assert(
    fc.property(fc.integer({ min: 10_000, max: 50_000_000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 24, max: 1500 })), { minLength: 1, maxLength: 300 }), (rate, arrivals) => {
      const p = new Pacer(rate);
      const out: number[] = [];
      let sent = 0;
      let now = 0;
      let id = 0;
      const sizes: number[] = [];
      const send = (d: Uint8Array) => {
        out.push(d[0]! | (d[1]! << 8));
        sent += d.length;
      };
      for (const [gap, size] of arrivals) {
        now += gap;
        const d = new Uint8Array(size);
        d[0] = id & 0xff;
        d[1] = id >> 8;
        sizes.push(size);
        id++;
        p.offer(d);
        p.release(now, send);
        assert.ok(sent <= p.burst + (rate * now) / 1000 + 1e-6, `sent ${sent} by ${now} ms`);
      }
      // drain by following msUntilNext: every wait is finite and releases something
      for (let guard = 0; p.queuedBytes > 0 && guard < 100_000; guard++) {
        const wait = p.msUntilNext(now);
        assert.ok(Number.isFinite(wait) && wait >= 0);
        now += Math.max(1, wait);
        p.release(now, send);
        assert.ok(sent <= p.burst + (rate * now) / 1000 + 1e-6);
      }
      assert.equal(p.queuedBytes, 0);
      const expected = Array.from({ length: id }, (_, i) => i).slice(0, out.length);
      assert.deepEqual(out, expected.slice(0, out.length), 'oldest first');
      assert.equal(out.length + p.drops, id);
      assert.equal(p.msUntilNext(now), Infinity);
    }),
    { numRuns: 100, seed: 77 },
  );
});

test('the queue is bounded: beyond 100 ms of traffic (at least 32 KiB) datagrams are dropped and counted', () => {
  const p = new Pacer(1_000_000);
  assert.equal(p.maxQueued, 100_000);
  for (let i = 0; i < 300; i++) p.offer(new Uint8Array(1000));
  assert.equal(p.queuedBytes, 100_000);
  assert.equal(p.drops, 200);
  assert.equal(new Pacer(100_000).maxQueued, 32 * 1024);
  assert.throws(() => new Pacer(0), RangeError);
});

test('a session that keeps the queue at high water gets the rate: 10 s on a virtual clock with late wake-ups (seeded) releases rate·t ± 1 %', () => {
  fc.assert(
    fc.property(fc.constantFrom(100_000, 1_000_000, 4_000_000, 20_000_000), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 2 ** 31 }), (rate, maxLateMs, seed) => {
      const p = new Pacer(rate);
      let rng = seed;
      const late = () => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff), rng % (maxLateMs + 1));
      let sent = 0;
      let now = 0;
      const size = 1350;
      const fill = () => {
        while (p.room >= size) p.offer(new Uint8Array(size));
      };
      fill();
      for (let guard = 0; now < 10_000 && guard < 1_000_000; guard++) {
        p.release(now, (d) => (sent += d.length));
        fill(); // KcpSession gives KCP a budget of `room` new bytes after each release
        now += Math.max(1, p.msUntilNext(now)) + late();
      }
      const expected = (rate * now) / 1000;
      assert.ok(sent <= expected + p.burst, `${sent} sent by ${now} ms at ${rate} B/s: over the bucket`);
      assert.ok(sent >= 0.99 * expected, `${sent} sent by ${now} ms at ${rate} B/s (wake-ups up to ${maxLateMs} ms late): ${(sent / expected).toFixed(3)} of the rate`);
      assert.equal(p.drops, 0);
    }),
    { numRuns: 40, seed: 78 },
  );
});
