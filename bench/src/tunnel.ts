/**
 * `npm run bench`: our tunnel and Debian's kcptun side by side on loopback, with
 * the same flags, A/B interleaved, several runs, medians. Per config and tunnel:
 * throughput of 1 and of 16 parallel streams, upload (client → server) and
 * download (server → client), through a local TCP sink/source; 64-byte
 * ping-pong p50/p99 over one stream; CPU seconds per GB moved (client + server,
 * utime + stime from /proc); peak RSS (VmHWM, client + server).
 *
 * Targets are printed, never asserted. Results: a markdown table on
 * stdout and JSON + markdown in bench/results/.
 *
 * Usage: node bench/dist/tunnel.js [--quick] [--runs N] [--configs defaults,fast3]
 *        [--impls ours,kcptun] [--ping N] [--min-rate MBps] [--stall-ms MS]
 *        [--single-mib N] [--per-stream-mib N] [--streams N] [--ours-flags "..."]
 *        node bench/dist/tunnel.js --from bench/results/tunnel-….json   (re-render a saved run)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAll, loadAverage, pingPong, sleep, Target, transfer, Tunnel, type Impl, type Limits, type Ping, type Transfer } from '@kcptunb/testkit';

// ---------------------------------------------------------------------------------------------
// arguments

const argv = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}
function num(name: string, dflt: number): number {
  const v = opt(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, got ${v}`);
  return n;
}
if (argv.includes('-h') || argv.includes('--help')) {
  console.log(
    'usage: npm run bench -- [--quick] [--runs N] [--configs defaults,fast3] [--impls ours,kcptun] [--ping N] [--min-rate MBps] [--stall-ms MS]\n' +
      '                        [--single-mib N] [--per-stream-mib N] [--streams N] [--ours-flags "--flag=value ..."]\n' +
      '       node bench/dist/tunnel.js --from bench/results/tunnel-<time>.json   (re-render a saved run)',
  );
  process.exit(0);
}

const quick = argv.includes('--quick');
const MiB = 2 ** 20;
const settings = {
  quick,
  runs: Math.round(num('--runs', 3)),
  singleBytes: num('--single-mib', quick ? 16 : 64) * MiB,
  streams: Math.round(num('--streams', 16)),
  perStreamBytes: num('--per-stream-mib', quick ? 1 : 8) * MiB,
  pingCount: Math.round(num('--ping', quick ? 300 : 2000)),
  pingWarmup: quick ? 30 : 100,
  pingBudgetMs: 20_000,
  /** A transfer slower than this (MB/s) over 10 s is reported as failed ("too slow"). */
  minRateMBps: num('--min-rate', 1),
  stallMs: num('--stall-ms', 15_000),
  key: 'kcptunb-bench-key',
  /** Diagnostics only: extra flags for OUR client and server (e.g. "--streambuf-en=0"); shown in the table. */
  oursFlags: (opt('--ours-flags') ?? '').split(/\s+/).filter(Boolean),
};

const ALL_CONFIGS: Record<string, string[]> = {
  defaults: [],
  fast3: ['--mode', 'fast3', '--sndwnd', '1024', '--rcvwnd', '1024'],
};
const configNames = (opt('--configs') ?? 'defaults,fast3').split(',').filter(Boolean);
for (const c of configNames) if (!ALL_CONFIGS[c]) throw new Error(`unknown config ${c} (have: ${Object.keys(ALL_CONFIGS).join(', ')})`);
const impls = (opt('--impls') ?? 'ours,kcptun').split(',').filter(Boolean) as Impl[];
for (const i of impls) if (i !== 'ours' && i !== 'kcptun') throw new Error(`unknown impl ${i}`);
if (impls.includes('kcptun') && spawnSync('sh', ['-c', 'command -v kcptun-client && command -v kcptun-server']).status !== 0) {
  console.error('kcptun-client / kcptun-server not found: apt-get install -y kcptun (or --impls ours)');
  process.exit(2);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// one tunnel run: a fresh client + server, every measurement, restart after a failure

type TestName = 'ping' | 'up1' | 'down1' | 'upN' | 'downN';

interface Failure {
  test: TestName | 'start';
  error: string;
  commands: string[];
  output: Record<string, string>;
}

interface RunRecord {
  run: number;
  config: string;
  impl: Impl;
  /** Position of this impl within its (run, config) pair: 0 = went first. */
  position: number;
  ping?: Ping;
  transfers: Partial<Record<Exclude<TestName, 'ping'>, Transfer>>;
  cpuSecPerGB?: number;
  cpuSecPerGBClient?: number;
  cpuSecPerGBServer?: number;
  /** CPU s/GB over the transfers both tunnels completed in this run and config (see pairCpu). */
  cpuPaired?: { total: number; client: number; server: number; tests: string[] };
  peakRssKiB: { client: number; server: number };
  failures: Failure[];
  tunnelsStarted: number;
}

/** Stall watchdog, a rate floor over a sliding 10-s window, and a hard deadline at the floor rate. */
function limitsFor(bytes: number): Limits {
  return { stallMs: settings.stallMs, deadlineMs: Math.max(30_000, (bytes / (settings.minRateMBps * 1e6)) * 1000 + 10_000), minRateMBps: settings.minRateMBps, rateWindowMs: 10_000 };
}

async function tunnelRun(run: number, config: string, impl: Impl, position: number, target: Target): Promise<RunRecord> {
  const rec: RunRecord = { run, config, impl, position, transfers: {}, peakRssKiB: { client: 0, server: 0 }, failures: [], tunnelsStarted: 0 };
  const flags = impl === 'ours' ? [...ALL_CONFIGS[config]!, ...settings.oursFlags] : ALL_CONFIGS[config]!;
  // the same flags on both ends, after -l/-r/-t; output trimmed to its newest 32–64 KiB per process
  const common = ['--key', settings.key, '--quiet', ...flags];
  const spec = { client: impl, server: impl, targetPort: target.port, serverArgs: common, clientArgs: common, keepChars: 64 * 1024 };
  let tunnel: Tunnel | undefined;

  const retire = async () => {
    if (!tunnel) return;
    const r = tunnel.peakRss();
    rec.peakRssKiB.client = Math.max(rec.peakRssKiB.client, r.clientKiB);
    rec.peakRssKiB.server = Math.max(rec.peakRssKiB.server, r.serverKiB);
    await tunnel.stop();
    tunnel = undefined;
  };
  const fail = (test: Failure['test'], e: unknown, t: Tunnel | undefined) => {
    const f: Failure = { test, error: (e as Error).message ?? String(e), commands: [], output: {} };
    if (t) {
      f.commands = [t.server.commandLine, t.client.commandLine];
      f.output = { [t.server.label]: t.server.tail(), [t.client.label]: t.client.tail() };
    }
    rec.failures.push(f);
    console.error(`  ✗ ${impl} ${config} run ${run} ${test}: ${f.error.split('\n')[0]}`);
  };

  const tests: Array<[TestName, (t: Tunnel) => Promise<void>]> = [
    ['ping', async (t) => void (rec.ping = await pingPong(t, settings.pingCount, settings.pingWarmup, settings.pingBudgetMs, limitsFor(0)))],
    ['up1', async (t) => void (rec.transfers.up1 = await transfer(t, 'up', 1, settings.singleBytes, limitsFor(settings.singleBytes)))],
    ['down1', async (t) => void (rec.transfers.down1 = await transfer(t, 'down', 1, settings.singleBytes, limitsFor(settings.singleBytes)))],
    ['upN', async (t) => void (rec.transfers.upN = await transfer(t, 'up', settings.streams, settings.perStreamBytes, limitsFor(settings.streams * settings.perStreamBytes)))],
    ['downN', async (t) => void (rec.transfers.downN = await transfer(t, 'down', settings.streams, settings.perStreamBytes, limitsFor(settings.streams * settings.perStreamBytes)))],
  ];

  try {
    for (const [name, body] of tests) {
      if (!tunnel) {
        try {
          tunnel = await Tunnel.start(spec);
          rec.tunnelsStarted++;
          // end-to-end warm-up: session up, first stream through, key schedule done
          await pingPong(tunnel, 20, 5, 5_000, { stallMs: 10_000, deadlineMs: 15_000 });
        } catch (e) {
          fail('start', e, tunnel);
          await retire();
          break;
        }
      }
      target.dropAll();
      await sleep(200);
      try {
        await body(tunnel);
      } catch (e) {
        fail(name, e, tunnel);
        await retire(); // a fresh tunnel for the next measurement
      }
    }
  } finally {
    await retire();
    target.dropAll();
  }

  const done = Object.values(rec.transfers).filter((x): x is Transfer => x !== undefined);
  const bytes = done.reduce((a, x) => a + x.bytes, 0);
  if (bytes > 0) {
    const c = done.reduce((a, x) => a + x.cpu.client, 0);
    const s = done.reduce((a, x) => a + x.cpu.server, 0);
    rec.cpuSecPerGBClient = (c / bytes) * 1e9;
    rec.cpuSecPerGBServer = (s / bytes) * 1e9;
    rec.cpuSecPerGB = ((c + s) / bytes) * 1e9;
  }
  return rec;
}

// ---------------------------------------------------------------------------------------------
// summary

interface Metric {
  key: string;
  label: string;
  get(r: RunRecord): number | undefined;
  digits: number;
  /** Target on the ratio ours/kcptun, per config. */
  target?: Partial<Record<string, { text: string; ok(ratio: number): boolean }>>;
}

const faster = { text: '≥ 1.5×', ok: (r: number) => r >= 1.5 };
const even = { text: '0.95–1.05×', ok: (r: number) => r >= 0.95 && r <= 1.05 };
const rssMiB = (r: RunRecord) => (r.peakRssKiB.client + r.peakRssKiB.server > 0 ? (r.peakRssKiB.client + r.peakRssKiB.server) / 1024 : undefined);
function metrics(n: number): Metric[] {
  return [
    { key: 'up1', label: 'upload, 1 stream (MB/s)', get: (r) => r.transfers.up1?.mbPerSec, digits: 1, target: { fast3: faster, defaults: even } },
    { key: 'down1', label: 'download, 1 stream (MB/s)', get: (r) => r.transfers.down1?.mbPerSec, digits: 1, target: { fast3: faster, defaults: even } },
    { key: 'upN', label: `upload, ${n} streams (MB/s)`, get: (r) => r.transfers.upN?.mbPerSec, digits: 1, target: { fast3: faster, defaults: even } },
    { key: 'downN', label: `download, ${n} streams (MB/s)`, get: (r) => r.transfers.downN?.mbPerSec, digits: 1, target: { fast3: faster, defaults: even } },
    { key: 'pingP50', label: 'ping 64 B p50 (ms)', get: (r) => r.ping?.p50Ms, digits: 3 },
    { key: 'pingP99', label: 'ping 64 B p99 (ms)', get: (r) => r.ping?.p99Ms, digits: 3, target: { fast3: { text: '≤ 1.0×', ok: (r) => r <= 1 } } },
    { key: 'cpuPerGB', label: 'CPU s/GB, client+server †', get: (r) => r.cpuPaired?.total, digits: 2, target: { fast3: { text: '≤ 0.7×', ok: (r) => r <= 0.7 } } },
    { key: 'cpuPerGBClient', label: '  of which client †', get: (r) => r.cpuPaired?.client, digits: 2 },
    { key: 'cpuPerGBServer', label: '  of which server †', get: (r) => r.cpuPaired?.server, digits: 2 },
    { key: 'rss', label: 'peak RSS, client+server (MiB)', get: rssMiB, digits: 1 },
  ];
}

/**
 * CPU s/GB over the transfers that BOTH tunnels completed in the same run and config (all four
 * when both succeeded), so a tunnel that failed the single-stream tests is not compared on a
 * different mix. With one tunnel only: over its completed transfers.
 */
function pairCpu(records: RunRecord[]): void {
  for (const r of records) {
    const other = records.find((o) => o !== r && o.run === r.run && o.config === r.config);
    const keys = (Object.keys(r.transfers) as Array<keyof RunRecord['transfers']>).filter((k) => r.transfers[k] && (!other || other.transfers[k]));
    const done = keys.map((k) => r.transfers[k]!);
    const bytes = done.reduce((a, x) => a + x.bytes, 0);
    if (bytes === 0) {
      r.cpuPaired = undefined;
      continue;
    }
    const c = done.reduce((a, x) => a + x.cpu.client, 0);
    const sv = done.reduce((a, x) => a + x.cpu.server, 0);
    r.cpuPaired = { total: ((c + sv) / bytes) * 1e9, client: (c / bytes) * 1e9, server: (sv / bytes) * 1e9, tests: keys };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Cell {
  median: number;
  min: number;
  max: number;
  n: number;
}

function cell(records: RunRecord[], m: Metric): Cell {
  const xs = records.map(m.get).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

function fmt(c: Cell, digits: number, runs: number): string {
  if (c.n === 0) return 'failed';
  let s = c.median.toFixed(digits);
  if (c.n > 1) s += ` [${c.min.toFixed(digits)}–${c.max.toFixed(digits)}]`;
  if (c.n < runs) s += ` (${c.n}/${runs} ok)`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// main

interface Saved {
  started: string;
  loadStart: number[];
  loadEnd: number[];
  settings: typeof settings;
  configs: Record<string, string[]>;
  impls: Impl[];
  records: RunRecord[];
}

/** Measure everything (or, with --from FILE, load an earlier run's records and only re-render). */
async function measureAll(): Promise<Saved> {
  const started = new Date().toISOString();
  const loadStart = loadAverage();
  const N = settings.streams;
  console.error(`tunnel bench: ${settings.runs} run(s) × configs [${configNames.join(', ')}] × [${impls.join(', ')}]${quick ? ' (quick)' : ''}; load ${loadStart.join(' ')}`);
  if ((loadStart[0] ?? 0) > cpus().length * 0.5) console.error(`  note: 1-min load ${loadStart[0]} on ${cpus().length} cores — the machine is busy; figures will be noisy`);
  const target = await Target.start();
  const records: RunRecord[] = [];
  try {
    for (let run = 1; run <= settings.runs; run++) {
      for (const [ci, config] of configNames.entries()) {
        // A/B interleaved: who goes first alternates per run and per config
        const order = (run + ci) % 2 === 1 ? impls : [...impls].reverse();
        for (const [position, impl] of order.entries()) {
          const t0 = Date.now();
          const rec = await tunnelRun(run, config, impl, position, target);
          records.push(rec);
          const mb = (t: Transfer | undefined) => t?.mbPerSec.toFixed(1) ?? '-';
          console.error(
            `  run ${run} ${config.padEnd(8)} ${impl.padEnd(6)} up1 ${mb(rec.transfers.up1)} down1 ${mb(rec.transfers.down1)} up${N} ${mb(rec.transfers.upN)} down${N} ${mb(rec.transfers.downN)} MB/s, ` +
              `ping p50/p99 ${rec.ping ? `${rec.ping.p50Ms.toFixed(3)}/${rec.ping.p99Ms.toFixed(3)}` : '-'} ms, ` +
              `CPU ${rec.cpuSecPerGB?.toFixed(2) ?? '-'} s/GB, RSS ${((rec.peakRssKiB.client + rec.peakRssKiB.server) / 1024).toFixed(0)} MiB` +
              `${rec.failures.length ? `, ${rec.failures.length} failure(s)` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
          );
        }
      }
    }
  } finally {
    await target.close();
  }
  return { started, loadStart, loadEnd: loadAverage(), settings, configs: Object.fromEntries(configNames.map((c) => [c, ALL_CONFIGS[c]!])), impls, records };
}

type Summary = Record<string, Record<string, { ours?: Cell; kcptun?: Cell; ratio?: number; target?: string; met?: boolean }>>;

function render(saved: Saved): { md: string; summary: Summary } {
  const S = saved.settings;
  const N = S.streams;
  const records = saved.records;
  pairCpu(records);
  const summary: Summary = {};
  let md = `# Tunnel benchmark: kcptunb vs Debian kcptun\n\n`;
  md += `${saved.started} · node ${process.version} · ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length} · load ${saved.loadStart.join(' ')} → ${saved.loadEnd.join(' ')}\n\n`;
  md += `Loopback, ${S.runs} run(s) per tunnel, A/B interleaved, medians [min–max]. Same flags both sides: --crypt aes (default), FEC 10/3 (default), compression on (default), --quiet; payload random (incompressible). `;
  md += `1 stream = ${S.singleBytes / MiB} MiB; ${N} streams = ${N} × ${S.perStreamBytes / MiB} MiB; ping = ${S.pingCount} round trips of 64 B after ${S.pingWarmup} warm-up.${S.quick ? ' **--quick**: small sizes, indicative only.' : ''}\n\n`;
  md += `† CPU = utime+stime of the client and server processes during the transfers ÷ bytes moved, counted over the transfers both tunnels completed in the same run (all four when both succeeded).\n`;
  if (S.oursFlags?.length) md += `\n**Diagnostic run**: our processes also got \`${S.oursFlags.join(' ')}\` (not the same flags as kcptun).\n`;
  for (const config of Object.keys(saved.configs)) {
    const rows = records.filter((r) => r.config === config);
    const ours = rows.filter((r) => r.impl === 'ours');
    const ref = rows.filter((r) => r.impl === 'kcptun');
    summary[config] = {};
    const flags = saved.configs[config]!;
    md += `\n## ${config}${flags.length ? ` (\`${flags.join(' ')}\`)` : " (no tuning flags: each side's own defaults)"}\n\n`;
    md += `| metric | ours | kcptun | ours/kcptun | target | met |\n|---|---:|---:|---:|---:|:---:|\n`;
    for (const m of metrics(N)) {
      const a = saved.impls.includes('ours') ? cell(ours, m) : undefined;
      const b = saved.impls.includes('kcptun') ? cell(ref, m) : undefined;
      const ratio = a && b && a.n && b.n && b.median !== 0 ? a.median / b.median : undefined;
      const t = m.target?.[config];
      const met = t && ratio !== undefined ? t.ok(ratio) : undefined;
      summary[config][m.key] = { ours: a, kcptun: b, ratio, target: t?.text, met };
      md += `| ${m.label} | ${a ? fmt(a, m.digits, S.runs) : '-'} | ${b ? fmt(b, m.digits, S.runs) : '-'} | ${ratio !== undefined ? ratio.toFixed(2) : '-'} | ${t?.text ?? ''} | ${met === undefined ? (t ? 'n/a' : '') : met ? 'yes' : '**no**'} |\n`;
    }
    const partial = rows.filter((r) => r.cpuPaired && r.cpuPaired.tests.length < 4);
    if (partial.length) md += `\n† over fewer than four transfers in: ${partial.map((r) => `${r.impl} run ${r.run} (${r.cpuPaired!.tests.join(', ')})`).join('; ')}.\n`;
    const truncated = rows.filter((r) => r.ping?.truncated);
    if (truncated.length) md += `\nPing ended by its ${S.pingBudgetMs / 1000}-s budget in: ${truncated.map((r) => `${r.impl} run ${r.run} (${r.ping!.samples} samples)`).join(', ')}.\n`;
  }
  const failures = records.flatMap((r) => r.failures.map((f) => ({ ...f, run: r.run, config: r.config, impl: r.impl })));
  if (failures.length) {
    md += `\n## Failures (${failures.length})\n\n`;
    const shown = new Set<string>();
    for (const f of failures) {
      md += `- **${f.impl}**, ${f.config}, run ${f.run}, ${f.test}: ${f.error.split('\n')[0]}\n`;
      // the command lines once per tunnel and config (ports differ, flags do not)
      if (!shown.has(`${f.impl} ${f.config}`) && f.commands.length) {
        shown.add(`${f.impl} ${f.config}`);
        for (const c of f.commands) md += `  - \`${c}\`\n`;
      }
    }
    md += `\nThe last lines each process printed, per failure, are in the JSON (\`records[].failures[].output\`).\n`;
  }
  return { md, summary };
}

const from = opt('--from');
const saved: Saved = from ? (JSON.parse(readFileSync(from, 'utf8')) as Saved) : await measureAll();
const { md, summary } = render(saved);
console.log(md);
if (!from) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `tunnel-${saved.started.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, ...saved, summary }, null, 2));
  writeFileSync(file.replace(/\.json$/, '.md'), md);
  console.log(`results: ${file}`);
}
process.exit(0);
