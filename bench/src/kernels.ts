/**
 * `npm run bench:kernels`: every compute kernel of the packet layer, next to
 * its naive TypeScript reference and node:crypto. Prints a markdown table and
 * writes JSON to bench/results/. Targets (the packet layer's) are checked and
 * reported, never asserted: speed lives in benchmarks, not tests.
 *
 * Usage: node bench/dist/kernels.js [--quick] [--only=crypt,rs,ciphers,aes]
 * (`aes`: only AES-128 and AES-256 on each engine, the quick check of the AES target; not in the default set)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { benchBlockCiphers1 } from './blockCipherKernels1.js';
import { benchBlockCiphers2 } from './blockCipherKernels2.js';
import { benchCryptLayer } from './cryptLayer.js';
import { markdownTable, type BenchRow } from './harness.js';
import { benchReedSolomon } from './rsKernel.js';

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (part: string) => !only || only.includes(part);

const sections: Array<[string, BenchRow[]]> = [];
if (only?.includes('aes')) sections.push(['AES engines (batched, 64 × 1350 B per call)', benchCryptLayer(['simd'], ['aes-128', 'aes'])]);
if (want('crypt')) sections.push(['Crypt layer (batched, 64 × 1350 B per call)', benchCryptLayer()]);
if (want('ciphers')) {
  sections.push(['Block-cipher kernels (raw, incl. naive TS references)', [...benchBlockCiphers1(), ...benchBlockCiphers2()]]);
}
if (want('rs')) sections.push(['Reed–Solomon 10+3, 1350-byte shards (MB/s of data)', benchReedSolomon().map((r) => ({ ...r, unit: 'group' }))]);

const find = (rows: BenchRow[], re: RegExp) => rows.find((r) => re.test(r.name));
const all = sections.flatMap(([, rows]) => rows);
const targets: Array<[string, number | undefined, number]> = [
  ['AES-128 encrypt+decrypt, node:crypto (MB/s)', find(all, /^aes-128 \[node:crypto\] encrypt\+decrypt/)?.mbPerSec, 900],
  ['AES-128 encrypt+decrypt, AES-NI addon (MB/s)', find(all, /^aes-128 \[aes-ni\] encrypt\+decrypt/)?.mbPerSec, 900],
  ['salsa20 encrypt+decrypt (MB/s)', find(all, /^salsa20 \[wasm-simd\] encrypt\+decrypt/)?.mbPerSec, 500],
  ['RS 10+3 encode (MB/s)', find(all, /10\+3 encode.*simd/i)?.mbPerSec, 2000],
  ['RS reconstruct 3 lost (MB/s)', find(all, /reconstruct.*3 lost.*simd|simd.*reconstruct.*3/i)?.mbPerSec, 1000],
];

let out = `# Kernel benchmarks\n\nnode ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}; medians of 7 runs.\n`;
for (const [title, rows] of sections) out += `\n## ${title}\n\n${markdownTable(rows)}\n`;
out += '\n## Targets\n\n| target | measured | goal | met |\n|---|---:|---:|---|\n';
for (const [name, got, goal] of targets) out += `| ${name} | ${got === undefined ? 'n/a' : got.toFixed(0)} | ≥ ${goal} | ${got !== undefined && got >= goal ? 'yes' : 'no'} |\n`;
console.log(out);

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, '..', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `kernels-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ node: process.version, sections: Object.fromEntries(sections), targets }, null, 2));
console.log(`results: ${file}`);
