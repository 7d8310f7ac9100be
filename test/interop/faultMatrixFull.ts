/**
 * `npm run interop:faults`: all nine cells of the fault matrix (faultMatrix.ts), printed as a
 * table (✓ with the time and the longest stall, ✗ with the reason); exit code 1 on any failure.
 */
import { ProcessGroup } from '@kcptunb/testkit';
import { allFaultCells, faultCellName, LOSSES, MAX_STALL_MS, PAIRINGS, runFaultCell } from './faultMatrix.js';

const group = new ProcessGroup();
const results = new Map<string, string>();
let failed = 0;
const target = await group.echoServer();
for (const cell of allFaultCells()) {
  const name = faultCellName(cell);
  try {
    const r = await runFaultCell(group, target, cell);
    const ok = r.maxStallMs <= MAX_STALL_MS;
    if (!ok) failed++;
    results.set(name, `${ok ? '✓' : '✗'} ${(r.ms / 1000).toFixed(1)} s, stall ${(r.maxStallMs / 1000).toFixed(1)} s`);
  } catch (e) {
    failed++;
    results.set(name, `✗ ${(e as Error).message.split('\n')[0]}`);
  }
  process.stderr.write(`${name}: ${results.get(name)}\n`);
}
await group.cleanup();
console.log(`\n| pairing | ${LOSSES.map((l) => `loss ${Math.round(l * 100)}%`).join(' | ')} |`);
console.log(`|---|${LOSSES.map(() => '---').join('|')}|`);
for (const [client, server] of PAIRINGS) {
  console.log(`| ${client}→${server} | ${LOSSES.map((loss) => results.get(faultCellName({ client, server, loss }))).join(' | ')} |`);
}
console.log(`\n25 ms each way, 10 ms jitter, 2% duplicates, 1% corrupted datagrams in every cell; 16 MiB × 4 streams, SHA-256 verified; ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
