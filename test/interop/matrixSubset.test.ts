/** CI's share of the interop matrix: a pairwise-covering subset (every cipher, both pairings). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessGroup } from '@kcptunb/testkit';
import { allCells, cellFlags, cellName, pairwiseCells, runCell } from './matrix.js';

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

test('each end gets its own implementation\'s flags: kcptunB-only flags never reach Debian kcptun', () => {
  for (const c of allCells()) {
    const ours = cellFlags('ours', c);
    const theirs = cellFlags('kcptun', c);
    assert.deepEqual(ours.slice(0, 3), ['--streambuf-en=0', '--keepalivems', '20000'], cellName(c));
    assert.ok(!theirs.some((f) => /streambuf-en|keepalivems/.test(f)), `${cellName(c)}: ${theirs.join(' ')}`);
    // FEC off must be said to both ends, each in its own spelling; FEC on is both defaults (10/3)
    assert.deepEqual(ours.slice(3), c.fec ? [] : ['--ds', '0', '--ps', '0'], cellName(c));
    assert.deepEqual(theirs, c.fec ? [] : ['--datashard', '0', '--parityshard', '0'], cellName(c));
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
