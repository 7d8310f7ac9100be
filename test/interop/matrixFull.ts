/**
 * `npm run interop`: all 104 cells of the interop matrix with Debian kcptun and all 42
 * of the matrix with upstream kcptun 20260126, printed as tables (✓ with the 4 MiB
 * echo time, ✗ with the reason).
 */
import { ProcessGroup } from '@kcptunb/testkit';
import { allCells, cellName, PAIRINGS, runCell, type Cell } from './matrix.js';
import { KCPTUNB_CIPHER_NAMES } from '@kcptunb/crypt';
import { allUpstreamCells, runUpstreamCell, upstreamCellName } from './upstreamMatrix.js';

const group = new ProcessGroup();
const results = new Map<string, string>();
let failed = 0;
const target = await group.echoServer();
for (const cell of allCells()) {
  try {
    const r = await runCell(group, target, cell);
    results.set(cellName(cell), `✓ ${r.echoMs} ms`);
  } catch (e) {
    failed++;
    results.set(cellName(cell), `✗ ${(e as Error).message.split('\n')[0]}`);
  }
  process.stderr.write(`${cellName(cell)}: ${results.get(cellName(cell))}\n`);
}
const upstreamResults = new Map<string, string>();
for (const cell of allUpstreamCells()) {
  const name = upstreamCellName(cell);
  try {
    const r = await runUpstreamCell(group, target, cell);
    upstreamResults.set(name, `✓ ${r.echoMs} ms`);
  } catch (e) {
    failed++;
    upstreamResults.set(name, `✗ ${(e as Error).message.split('\n')[0]}`);
  }
  process.stderr.write(`${name}: ${upstreamResults.get(name)}\n`);
}
await group.cleanup();

const columns: Array<Omit<Cell, 'crypt'>> = [];
for (const [client, server] of PAIRINGS) for (const fec of [true, false]) for (const comp of [true, false]) columns.push({ client, server, fec, comp });
const head = columns.map((c) => `${c.client}→${c.server} fec ${c.fec ? 'on' : 'off'} comp ${c.comp ? 'on' : 'off'}`);
let md = `| crypt | ${head.join(' | ')} |\n|---|${head.map(() => '---').join('|')}|\n`;
for (const crypt of KCPTUNB_CIPHER_NAMES) md += `| ${crypt} | ${columns.map((c) => results.get(cellName({ ...c, crypt }))).join(' | ')} |\n`;
console.log(md);
console.log('\n| upstream cell | result |\n|---|---|');
for (const [name, r] of upstreamResults) console.log(`| ${name} | ${r} |`);
console.log(`${results.size + upstreamResults.size - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
