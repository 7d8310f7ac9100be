/**
 * CI's share of the fault matrix (faultMatrix.ts; all nine cells: `npm run interop:faults`): every
 * loss level and every pairing once, each 16 MiB × 4 streams SHA-256 verified with no stall over
 * 10 s, the relay's impairments all seen at work.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessGroup, requireKcptun } from '@kcptunb/testkit';
import { faultCellName, LOSSES, MAX_STALL_MS, PAIRINGS, pairwiseFaultCells, runFaultCell } from './faultMatrix.js';

const group = new ProcessGroup();
after(() => group.cleanup());

test('the CI subset covers every loss level and every pairing', () => {
  const cells = pairwiseFaultCells();
  assert.equal(new Set(cells.map((c) => c.loss)).size, LOSSES.length);
  assert.equal(new Set(cells.map((c) => `${c.client}|${c.server}`)).size, PAIRINGS.length);
});

let target = 0;
for (const cell of pairwiseFaultCells()) {
  test(`fault matrix ${faultCellName(cell)} + 25 ms each way, reordering, 2% duplicates, 1% corrupted: 16 MiB × 4 streams`, async () => {
    if (cell.client === 'kcptun') requireKcptun('kcptun-client');
    if (cell.server === 'kcptun') requireKcptun('kcptun-server');
    target ||= await group.echoServer();
    const r = await runFaultCell(group, target, cell);
    console.log(`# ${faultCellName(cell)}: ${r.ms} ms, longest stall ${r.maxStallMs} ms; up ${JSON.stringify(r.up)}`);
    assert.ok(r.maxStallMs <= MAX_STALL_MS, `a stream stalled for ${r.maxStallMs} ms`);
    for (const d of [r.up, r.down]) {
      assert.ok(d.dropped > 0 && d.duplicated > 0 && d.corrupted > 0 && d.reordered > 0, `every impairment happened: ${JSON.stringify(d)}`);
    }
  });
}
