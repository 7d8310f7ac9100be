/**
 * `npm run bench`: our tunnel, upstream's last kcptun and Debian's kcptun side by side on loopback,
 * with the same flags, interleaved, several runs, medians. First this machine's UDP ceiling
 * (udpCeiling.ts); then per config and tunnel: throughput of 1 and of 16 parallel streams, upload
 * (client → server) and download (server → client), through a local TCP sink/source; 64-byte
 * ping-pong p50/p99/p99.9 over one stream; new connections one after another (connect → first
 * echo: a stream opened end to end and the server's dial); CPU seconds per GB moved (client + server, utime +
 * stime from /proc); idle RSS (VmRSS after start-up) and peak RSS (VmHWM) per process.
 *
 * Targets are printed, never asserted. Results: a markdown table on stdout and JSON + markdown +
 * an SVG chart in bench/results/.
 *
 * Usage: node bench/dist/tunnel.js [--quick] [--runs N] [--configs defaults,fast3,raw]
 *        [--impls ours,upstream,kcptun] [--ping N] [--opens N] [--min-rate MBps] [--stall-ms MS]
 *        [--single-mib N] [--per-stream-mib N] [--streams N] [--ours-flags "..."] [--no-udp]
 *        node bench/dist/tunnel.js --from bench/results/tunnel-….json   (re-render a saved run)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAll, loadAverage, requireUpstream, Target, type Impl, type Transfer } from '@kcptunb/testkit';
import { chartSvg } from './chart.js';
import { hostInfo } from './hostInfo.js';
import { IMPL_COLUMNS, render, type Saved } from './tunnelReport.js';
import { ALL_CONFIGS, MiB, roundOrder, TEST_NAMES, tunnelRun, type BenchSettings, type RunRecord, type TestName } from './tunnelRun.js';
import { measureUdpCeiling } from './udpCeiling.js';

// ---------------------------------------------------------------------------------------------
// arguments

const argv = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}
function usageError(line: string): never {
  console.error(line);
  process.exit(2);
}
function num(name: string, dflt: number): number {
  const v = opt(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usageError(`${name} needs a positive number, got ${v}`);
  return n;
}
if (argv.includes('-h') || argv.includes('--help')) {
  console.log(
    'usage: npm run bench -- [--quick] [--runs N] [--configs defaults,fast3,raw] [--impls ours,upstream,kcptun] [--ping N] [--min-rate MBps] [--stall-ms MS]\n' +
      '                        [--single-mib N] [--per-stream-mib N] [--streams N] [--ours-flags "--flag=value ..."] [--no-udp]\n' +
      '                        [--opens N] [--tests ping,open,up1,down1,upN,downN]   (a subset; --tests ping is the latency-only mode)\n' +
      '       node bench/dist/tunnel.js --from bench/results/tunnel-<time>.json   (re-render a saved run)',
  );
  process.exit(0);
}

const quick = argv.includes('--quick');
const settings: BenchSettings = {
  quick,
  runs: Math.round(num('--runs', 3)),
  singleBytes: num('--single-mib', quick ? 16 : 64) * MiB,
  streams: Math.round(num('--streams', 16)),
  perStreamBytes: num('--per-stream-mib', quick ? 1 : 8) * MiB,
  pingCount: Math.round(num('--ping', quick ? 300 : 2000)),
  pingWarmup: Math.round(num('--ping-warmup', quick ? 300 : 3000)),
  pingBudgetMs: 20_000,
  openCount: Math.round(num('--opens', quick ? 100 : 500)),
  minRateMBps: num('--min-rate', 1),
  stallMs: num('--stall-ms', 15_000),
  key: 'kcptunb-bench-key',
  oursFlags: (opt('--ours-flags') ?? '').split(/\s+/).filter(Boolean),
  idleSettleMs: 500,
};
const testsOpt = opt('--tests');
if (testsOpt !== undefined) {
  const chosen = testsOpt.split(',').filter(Boolean);
  for (const t of chosen) if (!(TEST_NAMES as readonly string[]).includes(t)) usageError(`unknown test ${t} (have: ${TEST_NAMES.join(', ')})`);
  settings.tests = chosen as TestName[];
}

const configNames = (opt('--configs') ?? 'defaults,fast3,raw').split(',').filter(Boolean);
for (const c of configNames) if (!ALL_CONFIGS[c]) usageError(`unknown config ${c} (have: ${Object.keys(ALL_CONFIGS).join(', ')})`);
const impls = (opt('--impls') ?? 'ours,upstream,kcptun').split(',').filter(Boolean) as Impl[];
for (const i of impls) if (!IMPL_COLUMNS.includes(i)) usageError(`unknown impl ${i} (have: ${IMPL_COLUMNS.join(', ')})`);
const from = opt('--from');
if (!from) {
  if (impls.includes('kcptun') && spawnSync('sh', ['-c', 'command -v kcptun-client && command -v kcptun-server']).status !== 0) {
    usageError('kcptun-client / kcptun-server not found: apt-get install -y kcptun (or leave kcptun out of --impls)');
  }
  if (impls.includes('upstream')) {
    try {
      requireUpstream('client');
      requireUpstream('server');
    } catch (e) {
      usageError(`${(e as Error).message} (or leave upstream out of --impls)`);
    }
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// main

/** Measure everything (or, with --from FILE, load an earlier run's records and only re-render). */
async function measureAll(): Promise<Saved> {
  const started = new Date().toISOString();
  const loadStart = loadAverage();
  const N = settings.streams;
  console.error(`tunnel bench: ${settings.runs} run(s) × configs [${configNames.join(', ')}] × [${impls.join(', ')}]${quick ? ' (quick)' : ''}; load ${loadStart.join(' ')}`);
  if ((loadStart[0] ?? 0) > cpus().length * 0.5) console.error(`  note: 1-min load ${loadStart[0]} on ${cpus().length} cores — the machine is busy; figures will be noisy`);
  const udpCeiling = argv.includes('--no-udp') ? undefined : await measureUdpCeiling({ runs: 3, seconds: quick ? 1 : 2 });
  const target = await Target.start();
  const records: RunRecord[] = [];
  try {
    for (let run = 1; run <= settings.runs; run++) {
      for (const [ci, config] of configNames.entries()) {
        // interleaved: the order rotates per run and config, so each goes first equally often
        for (const [position, impl] of roundOrder(impls, run, ci).entries()) {
          const t0 = Date.now();
          const rec = await tunnelRun(settings, run, config, impl, position, target);
          records.push(rec);
          const mb = (t: Transfer | undefined) => t?.mbPerSec.toFixed(1) ?? '-';
          const rss = (r: RunRecord['idleRssKiB']) => (r ? `${(r.client / 1024).toFixed(0)}/${(r.server / 1024).toFixed(0)}` : '-');
          console.error(
            `  run ${run} ${config.padEnd(8)} ${impl.padEnd(8)} up1 ${mb(rec.transfers.up1)} down1 ${mb(rec.transfers.down1)} up${N} ${mb(rec.transfers.upN)} down${N} ${mb(rec.transfers.downN)} MB/s, ` +
              `ping p50/p99 ${rec.ping ? `${rec.ping.p50Ms.toFixed(3)}/${rec.ping.p99Ms.toFixed(3)}` : '-'} ms, ` +
              `open p50 ${rec.open ? rec.open.p50Ms.toFixed(2) : '-'} ms, ` +
              `CPU ${rec.cpuSecPerGB?.toFixed(2) ?? '-'} s/GB, RSS idle ${rss(rec.idleRssKiB)} peak ${rss(rec.peakRssKiB)} MiB` +
              `${rec.failures.length ? `, ${rec.failures.length} failure(s)` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
          );
        }
      }
    }
  } finally {
    await target.close();
  }
  const configs = Object.fromEntries(configNames.map((c) => [c, ALL_CONFIGS[c]!]));
  return { started, loadStart, loadEnd: loadAverage(), host: hostInfo(), settings, configs, impls, udpCeiling, records };
}

const saved: Saved = from ? (JSON.parse(readFileSync(from, 'utf8')) as Saved) : await measureAll();
const { md, summary } = render(saved);
console.log(md);
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const file = from ? from : join(dir, `tunnel-${saved.started.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
if (!from) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, ...saved, summary }, null, 2));
  console.log(`results: ${file}`);
}
// a re-render (--from) rewrites the markdown and the chart beside the saved JSON
writeFileSync(file.replace(/\.json$/, '.md'), md);
try {
  const svg = file.replace(/\.json$/, '.svg');
  writeFileSync(svg, await chartSvg(saved, summary));
  console.log(`chart: ${svg}`);
} catch (e) {
  console.error(`chart not written: ${(e as Error).message}`);
}
process.exit(0);
