/** CI's share of the interop matrix: a pairwise-covering subset (every cipher, both pairings). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessGroup } from '@kcptunb/testkit';
import { cellName, pairwiseCells, runCell } from './matrix.js';

const group = new ProcessGroup();
after(() => group.cleanup());

test('the pairwise subset covers every cipher in both pairings and every pair of factor values', () => {
  const cells = pairwiseCells();
  const seen = new Set(cells.map((c) => `${c.crypt}|${c.client}`));
  assert.equal(seen.size, 26);
  for (const [a, b] of [['fec', 'comp'], ['client', 'fec'], ['client', 'comp'], ['crypt', 'fec'], ['crypt', 'comp']] as const) {
    const pairs = new Set(cells.map((c) => `${String(c[a])}|${String(c[b])}`));
    const want = new Set(cells.map((c) => String(c[a]))).size * 2;
    assert.equal(pairs.size, want, `${a} × ${b}`);
  }
});

let target = 0;
for (const cell of pairwiseCells()) {
  test(`interop ${cellName(cell)}: 4 MiB each way + 10 streams`, async () => {
    target ||= await group.echoServer();
    const r = await runCell(group, target, cell);
    assert.ok(r.echoMs > 0);
  });
}
