/** FEC shape learning on receive (docs/protocol.md §2.8): the peer's ds/ps from the seqids and types of its shards. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FEC_TYPE_DATA, FEC_TYPE_PARITY, FecShapeDetector } from '@kcptunb/fec';

test('property: any shape 1..40 / 1..20 is learnt through 20% loss and reordering within neighbours, and never changed afterwards by more groups', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 2 ** 20 }), fc.integer(), (ds, ps, group0, seed) => {
      let state = seed >>> 0 || 1;
      const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const n = ds + ps;
      const d = new FecShapeDetector();
      let learnt: { dataShards: number; parityShards: number } | undefined;
      let changesAfterRight = 0;
      for (let g = group0; g < group0 + 30; g++) {
        const shards: Array<[number, number]> = [];
        for (let k = 0; k < n; k++) if (rand() >= 0.2) shards.push([g * n + k, k < ds ? FEC_TYPE_DATA : FEC_TYPE_PARITY]);
        for (let i = 0; i + 1 < shards.length; i++) if (rand() < 0.1) [shards[i], shards[i + 1]] = [shards[i + 1]!, shards[i]!];
        for (const [seqid, type] of shards) {
          const shape = d.observe(seqid, type);
          if (shape && learnt && learnt.dataShards === ds && learnt.parityShards === ps) changesAfterRight++;
          if (shape) learnt = shape;
        }
      }
      assert.deepEqual(learnt, { dataShards: ds, parityShards: ps }, `${ds}/${ps}`);
      assert.equal(changesAfterRight, 0, 'a right shape stays');
    }),
    { numRuns: 200, seed: 2025 },
  );
});

test('nothing is learnt from data shards alone, from parity alone, or from a single boundary', () => {
  const d = new FecShapeDetector();
  for (let s = 0; s < 100; s++) assert.equal(d.observe(s, FEC_TYPE_DATA), undefined);
  const p = new FecShapeDetector();
  for (let s = 0; s < 100; s++) assert.equal(p.observe(s, FEC_TYPE_PARITY), undefined);
  const one = new FecShapeDetector();
  for (let s = 0; s < 13; s++) assert.equal(one.observe(s, s % 13 < 10 ? FEC_TYPE_DATA : FEC_TYPE_PARITY), undefined);
  assert.equal(one.current, undefined);
});
