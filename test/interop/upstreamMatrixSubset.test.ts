/** CI's share of the upstream interop matrix: a pairwise-covering subset plus upstream's defaults in both pairings. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessGroup, requireUpstream } from '@kcptunb/testkit';
import { allUpstreamCells, pairwiseUpstreamCells, runUpstreamCell, upstreamCellFlags, upstreamCellName, UPSTREAM_CRYPTS } from './upstreamMatrix.js';

const group = new ProcessGroup();
after(() => group.cleanup());

test('the upstream binaries are there (a missing peer fails, never skips)', () => {
  requireUpstream('client');
  requireUpstream('server');
});

test('the full matrix has 40 cells plus 2 defaults cells; the subset covers every pair of factor values', () => {
  assert.equal(allUpstreamCells().length, 42);
  const cells = pairwiseUpstreamCells().filter((c) => c.smux !== 'defaults');
  assert.equal(new Set(cells.map((c) => `${c.crypt}|${c.client}`)).size, UPSTREAM_CRYPTS.length * 2);
  for (const [a, b] of [['crypt', 'smux'], ['crypt', 'fec'], ['client', 'smux'], ['client', 'fec'], ['smux', 'fec']] as const) {
    const pairs = new Set(cells.map((c) => `${String(c[a])}|${String(c[b])}`));
    const want = new Set(cells.map((c) => String(c[a]))).size * new Set(cells.map((c) => String(c[b]))).size;
    assert.equal(pairs.size, want, `${a} × ${b}`);
  }
  assert.deepEqual(pairwiseUpstreamCells().filter((c) => c.smux === 'defaults').map((c) => c.client), ['ours', 'upstream']);
});

test('both ends get the same upstream-style flags; in the defaults cells upstream gets none and ours only --dialect kcptun', () => {
  for (const c of allUpstreamCells()) {
    if (c.smux === 'defaults') {
      assert.deepEqual(upstreamCellFlags('upstream', c), []);
      assert.deepEqual(upstreamCellFlags('ours', c), ['--dialect', 'kcptun']);
    } else {
      assert.deepEqual(upstreamCellFlags('ours', c), upstreamCellFlags('upstream', c), upstreamCellName(c));
      assert.ok(!upstreamCellFlags('ours', c).some((f) => /streambuf-en|keepalivems|--ds$|--ps$/.test(f)), upstreamCellName(c));
    }
  }
});

let target = 0;
for (const cell of pairwiseUpstreamCells()) {
  test(`upstream interop ${upstreamCellName(cell)}: 4 MiB each way + 10 streams`, async () => {
    target ||= await group.echoServer();
    const r = await runUpstreamCell(group, target, cell);
    assert.ok(r.echoMs > 0);
  });
}
