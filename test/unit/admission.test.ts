/** Replay filter, admission and ring pool: the pure cores of the server's new-session hardening. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission, defaultMaxSessions, HeapTrimmer, keyHigh, keyLow, ReplayFilter, RingPool, type Candidate } from '@kcptunb/dataplane';
import { RingBuffer, RingProducer, RingConsumer } from '@kcptunb/ring';
import { Rng } from '@kcptunb/testkit';

function nonce(rng: Rng): Uint8Array {
  const d = new Uint8Array(44);
  for (let i = 0; i < d.length; i++) d[i] = rng.int(256);
  return d;
}

test('replay filter: a nonce is refused the second time, fresh ones pass', () => {
  const rng = new Rng(7);
  const f = new ReplayFilter({ perGeneration: 1024, generationMs: 1000 });
  const seen = Array.from({ length: 500 }, () => nonce(rng));
  for (const d of seen) assert.equal(f.admit(d, 0), true);
  for (const d of seen) assert.equal(f.admit(d, 10), false);
  for (const d of seen) assert.equal(f.seen(d), true);
  assert.equal(f.seen(nonce(rng)), false);
  // only the first 8 bytes are the key: a datagram differing later is the same nonce
  const twin = seen[0]!.slice();
  twin[20]! ^= 1;
  assert.equal(f.admit(twin, 10), false);
  // an all-zero nonce is remembered too
  assert.equal(f.admit(new Uint8Array(44), 10), true);
  assert.equal(f.admit(new Uint8Array(44), 10), false);
});

test('replay filter: remembered for one generation at least, two at most, in time and in count', () => {
  const rng = new Rng(8);
  const f = new ReplayFilter({ perGeneration: 64, generationMs: 1000 });
  const old = nonce(rng);
  f.admit(old, 0);
  f.admit(nonce(rng), 999); // same generation
  assert.equal(f.seen(old), true);
  f.admit(nonce(rng), 1000); // rotation: old is in the previous generation
  assert.equal(f.admit(old, 1500), false);
  f.admit(nonce(rng), 2000); // second rotation: forgotten
  assert.equal(f.seen(old), false);
  // by count: 64 inserts fill a generation
  const g = new ReplayFilter({ perGeneration: 64, generationMs: 1e9 });
  const first = nonce(rng);
  g.admit(first, 0);
  for (let i = 0; i < 63; i++) g.admit(nonce(rng), 0);
  g.admit(nonce(rng), 0); // rotates
  assert.equal(g.seen(first), true);
  for (let i = 0; i < 64; i++) g.admit(nonce(rng), 0);
  assert.equal(g.seen(first), false);
  assert.equal(g.memoryBytes, 2 * 128 * 4);
});

test('replay filter: a key is its home slot (bytes 0..3) and its 32-bit fingerprint (bytes 4..7)', () => {
  const f = new ReplayFilter({ perGeneration: 64, generationMs: 1e9 });
  // 40 keys with one home slot (5 of 128) and distinct fingerprints: a run of slots 5..44, all told apart
  for (let hi = 1; hi <= 40; hi++) assert.equal(f.admitKey(5, hi, 0), true);
  for (let hi = 1; hi <= 40; hi++) assert.equal(f.seenKey(5, hi), true);
  assert.equal(f.seenKey(5, 41), false);
  // the same fingerprint from another home slot outside that run is another key
  assert.equal(f.admitKey(100, 3, 0), true);
  // bytes 0..3 beyond the home slot's bits are not stored: same home and fingerprint is a repeat
  assert.equal(f.admitKey(5 + 128, 3, 0), false);
  // the fingerprint 0 is stored (as 1): the all-zero key is remembered
  assert.equal(f.seenKey(0, 0), false);
  assert.equal(f.admitKey(0, 0, 0), true);
  assert.equal(f.admitKey(0, 0, 0), false);
});

const cand = (id: number, openedAt: number, proven: boolean): Candidate => ({ id, openedAt, proven });

test('admission: per-host and global token buckets', () => {
  const a = new Admission(1000, { perHostPerSec: 10, perHostBurst: 5, globalPerSec: 100, globalBurst: 8, probationMs: 3000, maxHosts: 4 });
  const none = () => [];
  for (let i = 0; i < 5; i++) assert.deepEqual(a.decide('10.0.0.1', 0, 0, none), { admit: true });
  assert.deepEqual(a.decide('10.0.0.1', 0, 0, none), { admit: false, reason: 'host-rate' });
  for (let i = 0; i < 3; i++) assert.equal(a.decide('10.0.0.2', 0, 0, none).admit, true);
  assert.deepEqual(a.decide('10.0.0.3', 0, 0, none), { admit: false, reason: 'global-rate' });
  // 100 ms refills one token per host and 10 globally
  assert.equal(a.decide('10.0.0.1', 100, 0, none).admit, true);
  assert.deepEqual(a.decide('10.0.0.1', 100, 0, none), { admit: false, reason: 'host-rate' });
});

test('admission: at the cap, the oldest session past probation that never proved its peer makes room', () => {
  const a = new Admission(3);
  const live = [cand(1, 0, true), cand(2, 100, false), cand(3, 50, false)];
  assert.deepEqual(a.decide('h', 2000, 3, () => live), { admit: false, reason: 'full' }); // all on probation
  assert.deepEqual(a.decide('h', 3100, 3, () => live), { admit: true, evict: 3 });
  assert.deepEqual(a.decide('h', 3100, 3, () => [cand(1, 0, true)]), { admit: false, reason: 'full' });
  assert.deepEqual(a.decide('h', 3100, 2, () => live), { admit: true });
});

test('admission: the default cap follows memory', () => {
  assert.equal(defaultMaxSessions(8 * 2 ** 30), 2048);
  assert.equal(defaultMaxSessions(64 * 2 ** 20), 64);
  assert.equal(defaultMaxSessions(2 ** 50), 16384);
});

test('ring pool: a returned ring is reused only after its quarantine, empty and open', () => {
  const pool = new RingPool(1024, 2, 1000);
  const sab = pool.acquire(0);
  const p = new RingProducer(sab);
  const c = new RingConsumer(sab);
  assert.equal(p.tryPush(new Uint8Array([1, 2, 3])), true);
  p.close();
  c.close();
  pool.release(sab, 0);
  assert.notEqual(pool.acquire(500), sab); // still resting
  const again = pool.acquire(1000);
  assert.equal(again, sab);
  const c2 = new RingConsumer(again);
  assert.equal(c2.closed, false);
  assert.equal(c2.hasData, false);
  assert.equal(RingBuffer.unreadBytes(again), 0);
  // bounded: beyond the limit returned rings are dropped; other sizes are never pooled
  pool.release(RingBuffer.create(1024), 0);
  pool.release(RingBuffer.create(1024), 0);
  pool.release(RingBuffer.create(1024), 0);
  pool.release(RingBuffer.create(2048), 0);
  assert.equal(pool.stats.free, 2);
});

test('replay filter: keys read before decryption (admitKey/seenKey) are the same keys as admit/seen', () => {
  const rng = new Rng(9);
  const f = new ReplayFilter({ perGeneration: 256, generationMs: 1000 });
  const d = nonce(rng);
  assert.equal(f.seenKey(keyLow(d), keyHigh(d)), false);
  assert.equal(f.admitKey(keyLow(d), keyHigh(d), 0), true);
  assert.equal(f.seen(d), true);
  assert.equal(f.admit(d, 1), false);
  assert.equal(f.admitKey(keyLow(d), keyHigh(d), 2), false);
  const other = nonce(rng);
  assert.equal(f.admit(other, 3), true);
  assert.equal(f.seenKey(keyLow(other), keyHigh(other)), true);
});

test('heap trimmer: after every N ended sessions at most every interval, and whenever the last one ends', () => {
  let trims = 0;
  const t = new HeapTrimmer(() => trims++, 4, 1000, 100);
  for (let i = 0; i < 3; i++) assert.equal(t.sessionEnded(10, 10), false);
  assert.equal(t.sessionEnded(10, 10), true); // the 4th
  for (let i = 0; i < 8; i++) t.sessionEnded(500, 10); // enough sessions, too soon
  assert.equal(trims, 1);
  assert.equal(t.sessionEnded(1010, 10), true);
  assert.equal(t.sessionEnded(1050, 0), false); // the last one, but within the idle interval
  assert.equal(t.sessionEnded(1110, 0), true);
  assert.equal(trims, 3);
});
