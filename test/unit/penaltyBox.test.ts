/** The listener's penalty box: sources that keep failing the checksum are turned away for a while, in a bounded table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOX_MS, FAILS_TO_BOX, FAIL_WINDOW_MS, PenaltyBox } from '@kcptunb/dataplane/shell';

const v4 = (a: number, port: number) => a * 65536 + port;

test('a source is boxed after FAILS_TO_BOX failures within the window, for BOX_MS', () => {
  const box = new PenaltyBox();
  const src = v4(0x7f000001, 4000);
  for (let i = 0; i < FAILS_TO_BOX - 1; i++) box.failed(src, 100);
  assert.equal(box.boxed(src, 100), false, 'not yet');
  box.failed(src, 100);
  assert.equal(box.boxed(src, 101), true);
  assert.equal(box.boxed(v4(0x7f000001, 4001), 101), false, 'another port of the same address is not boxed');
  assert.equal(box.boxed(src, 100 + BOX_MS + 1), false, 'released after BOX_MS');
});

test('failures spread wider than the window never box a source', () => {
  const box = new PenaltyBox();
  const src = v4(0x0a000001, 53);
  const every = FAIL_WINDOW_MS / (FAILS_TO_BOX - 2);
  for (let i = 0; i < 4 * FAILS_TO_BOX; i++) {
    box.failed(src, i * every);
    assert.equal(box.boxed(src, i * every), false, `failure ${i}`);
  }
});

test('IPv6 sources (string keys) are never boxed', () => {
  const box = new PenaltyBox();
  for (let i = 0; i < 2 * FAILS_TO_BOX; i++) box.failed('::1|4000', 0);
  assert.equal(box.boxed('::1|4000', 1), false);
});

test('bounded: 100,000 failing sources keep the boxed ones of the last burst, and the table never grows', () => {
  const box = new PenaltyBox();
  for (let s = 0; s < 100_000; s++) box.failed(v4(0x0a000000 + s, 1), s);
  // a burst from 64 sources at the end: all boxed
  const burst = Array.from({ length: 64 }, (_, k) => v4(0xc0a80000 + k, 9));
  for (const src of burst) for (let i = 0; i < FAILS_TO_BOX; i++) box.failed(src, 200_000);
  assert.ok(burst.every((src) => box.boxed(src, 200_001)), 'every source of the burst is boxed');
  // further churn does not evict a boxed source while unboxed ones can go
  for (let s = 0; s < 10_000; s++) box.failed(v4(0x0b000000 + s, 1), 200_002);
  assert.ok(burst.filter((src) => box.boxed(src, 200_003)).length >= 60, 'boxed sources survive churn of single failures');
});
