/**
 * The tunnel bench's summary: per config and metric, the median [min–max] of each implementation,
 * ours/upstream and ours/kcptun, and the target (judged against upstream, or the better peer, or
 * an absolute bound). Printed, never asserted.
 */
import type { Impl } from '@kcptunb/testkit';
import type { HostInfo } from './hostInfo.js';
import { MiB, pairCpu, type BenchSettings, type RunRecord } from './tunnelRun.js';
import { renderUdpCeiling, type CeilingResult } from './udpCeiling.js';

/** The table's columns, in this order, whichever ran. */
export const IMPL_COLUMNS: Impl[] = ['ours', 'upstream', 'kcptun'];

export interface Saved {
  started: string;
  loadStart: number[];
  loadEnd: number[];
  host: HostInfo;
  settings: BenchSettings;
  configs: Record<string, string[]>;
  impls: Impl[];
  udpCeiling?: CeilingResult;
  records: RunRecord[];
}

export interface Cell {
  median: number;
  min: number;
  max: number;
  n: number;
}
type Cells = Partial<Record<Impl, Cell>>;

interface Target {
  text: string;
  /** Met, not met, or undefined when a needed figure is missing. */
  judge(cells: Cells): boolean | undefined;
}

export interface Metric {
  key: string;
  label: string;
  get(r: RunRecord): number | undefined;
  digits: number;
  /** Shown ×100 with a % sign. */
  percent?: boolean;
  /** Only in these configs (all by default). */
  configs?: string[];
  target?(config: string): Target | undefined;
}

export interface SummaryRow {
  cells: Cells;
  /** ours ÷ upstream, ours ÷ kcptun (medians). */
  ratios: Partial<Record<'upstream' | 'kcptun', number>>;
  target?: string;
  met?: boolean;
}
export type Summary = Record<string, Record<string, SummaryRow>>;

const ok = (c: Cell | undefined): c is Cell => c !== undefined && c.n > 0;

/** ours ≥ factor × upstream (throughput). */
function atLeastUpstream(factor: number): Target {
  return { text: `≥ ${factor.toFixed(2)}× upstream`, judge: (c) => (ok(c.ours) && ok(c.upstream) ? c.ours.median >= factor * c.upstream.median : undefined) };
}
/** ours ≤ factor × upstream (cost). */
function atMostUpstream(factor: number): Target {
  return { text: `≤ ${factor.toFixed(2)}× upstream`, judge: (c) => (ok(c.ours) && ok(c.upstream) ? c.ours.median <= factor * c.upstream.median : undefined) };
}
/** ours ≤ factor × the better (lower) of upstream and kcptun. */
function atMostBestPeer(factor: number): Target {
  return {
    text: `≤ ${factor.toFixed(1)}× best peer`,
    judge: (c) => {
      const peers = [c.upstream, c.kcptun].filter(ok).map((x) => x.median);
      return ok(c.ours) && peers.length ? c.ours.median <= factor * Math.min(...peers) : undefined;
    },
  };
}
function atMostAbsolute(bound: number, unit: string): Target {
  return { text: `≤ ${bound} ${unit}`, judge: (c) => (ok(c.ours) ? c.ours.median <= bound : undefined) };
}

const inFast3 = (t: Target) => (config: string) => (config === 'fast3' ? t : undefined);
const throughputTarget = (config: string) => (config === 'fast3' || config === 'defaults' ? atLeastUpstream(1.25) : undefined);
const mib = (kib: number | undefined) => (kib ? kib / 1024 : undefined);

export function metrics(n: number, ceilingBytesPerSec: number | undefined): Metric[] {
  const share = (key: 'up1' | 'down1' | 'upN' | 'downN', label: string): Metric => ({
    key: `${key}Ceiling`,
    label: `${label}: share of UDP ceiling ‡`,
    get: (r) => (ceilingBytesPerSec && r.transfers[key] ? (r.transfers[key]!.mbPerSec * 1e6) / ceilingBytesPerSec : undefined),
    digits: 1,
    percent: true,
    configs: ['raw'],
  });
  return [
    { key: 'up1', label: 'upload, 1 stream (MB/s)', get: (r) => r.transfers.up1?.mbPerSec, digits: 1, target: throughputTarget },
    { key: 'down1', label: 'download, 1 stream (MB/s)', get: (r) => r.transfers.down1?.mbPerSec, digits: 1, target: throughputTarget },
    { key: 'upN', label: `upload, ${n} streams (MB/s)`, get: (r) => r.transfers.upN?.mbPerSec, digits: 1, target: throughputTarget },
    { key: 'downN', label: `download, ${n} streams (MB/s)`, get: (r) => r.transfers.downN?.mbPerSec, digits: 1, target: throughputTarget },
    // without a measured ceiling (--no-udp) there is nothing to divide by: no rows
    ...(ceilingBytesPerSec ? [share('up1', 'upload, 1 stream'), share('down1', 'download, 1 stream'), share('upN', `upload, ${n} streams`), share('downN', `download, ${n} streams`)] : []),
    { key: 'pingP50', label: 'ping 64 B p50 (ms)', get: (r) => r.ping?.p50Ms, digits: 3, target: inFast3(atMostBestPeer(1)) },
    { key: 'pingP99', label: 'ping 64 B p99 (ms)', get: (r) => r.ping?.p99Ms, digits: 3, target: inFast3(atMostBestPeer(1)) },
    { key: 'pingP999', label: 'ping 64 B p99.9 (ms)', get: (r) => r.ping?.p999Ms, digits: 3 },
    { key: 'openP50', label: 'new connection → first echo p50 (ms)', get: (r) => r.open?.p50Ms, digits: 2 },
    { key: 'openP99', label: 'new connection → first echo p99 (ms)', get: (r) => r.open?.p99Ms, digits: 2 },
    { key: 'pingCpu', label: 'ping CPU per round trip, client+server (ms)', get: (r) => r.pingCpuMsPerRoundTrip, digits: 3 },
    { key: 'cpuPerGB', label: 'CPU s/GB, client+server †', get: (r) => r.cpuPaired?.total, digits: 2, target: inFast3(atMostUpstream(0.75)) },
    { key: 'cpuPerGBClient', label: '  of which client †', get: (r) => r.cpuPaired?.client, digits: 2 },
    { key: 'cpuPerGBServer', label: '  of which server †', get: (r) => r.cpuPaired?.server, digits: 2 },
    { key: 'idleRssClient', label: 'idle RSS, client (MiB)', get: (r) => mib(r.idleRssKiB?.client), digits: 1, target: () => atMostAbsolute(50, 'MiB') },
    { key: 'idleRssServer', label: 'idle RSS, server (MiB)', get: (r) => mib(r.idleRssKiB?.server), digits: 1, target: () => atMostAbsolute(50, 'MiB') },
    { key: 'peakRssClient', label: 'peak RSS, client (MiB)', get: (r) => mib(r.peakRssKiB.client), digits: 1, target: () => atMostAbsolute(64, 'MiB') },
    { key: 'peakRssServer', label: 'peak RSS, server (MiB)', get: (r) => mib(r.peakRssKiB.server), digits: 1, target: () => atMostAbsolute(64, 'MiB') },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function cell(records: RunRecord[], m: Metric): Cell {
  const xs = records.map(m.get).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

function fmt(c: Cell, m: Metric, runs: number): string {
  if (c.n === 0) return 'failed';
  const k = m.percent ? 100 : 1;
  const f = (x: number) => (x * k).toFixed(m.digits);
  let s = `${f(c.median)}${m.percent ? ' %' : ''}`;
  if (c.n > 1) s += ` [${f(c.min)}–${f(c.max)}]`;
  if (c.n < runs) s += ` (${c.n}/${runs} ok)`;
  return s;
}

/** Whether a metric's row belongs in the table: with --tests, only rows of the tests that ran. */
function measured(key: string, tests: readonly string[] | undefined): boolean {
  if (!tests) return true;
  if (key.startsWith('ping')) return tests.includes('ping');
  if (key.startsWith('open')) return tests.includes('open');
  if (key.startsWith('cpu')) return tests.some((t) => t !== 'ping' && t !== 'open');
  const transfer = /^(up1|down1|upN|downN)/.exec(key);
  return transfer ? tests.includes(transfer[1]!) : true; // RSS rows: always
}

/** The markdown report and the summary for the JSON. */
export function render(saved: Saved): { md: string; summary: Summary } {
  const S = saved.settings;
  const N = S.streams;
  const records = saved.records;
  pairCpu(records);
  const ceiling = saved.udpCeiling?.variants.find((v) => v.variant === saved.udpCeiling!.reference);
  const summary: Summary = {};
  // a run saved before the header existed renders with what is unknown said so
  const h = saved.host ?? { cpuModel: 'unknown cpu', cores: 0, node: 'unknown', versions: { ours: 'unknown', upstream: 'unknown', kcptun: 'unknown' } };
  let md = `# Tunnel benchmark: kcptunb vs upstream kcptun vs Debian kcptun\n\n`;
  md += `- started ${saved.started}; machine ${h.cpuModel} × ${h.cores} cores; load (1/5/15 min) ${saved.loadStart.join(' ')} before → ${saved.loadEnd.join(' ')} after; Node ${h.node}\n`;
  md += `- ours: kcptunb ${h.versions.ours}; upstream: kcptun ${h.versions.upstream}; Debian: ${h.versions.kcptun}\n`;
  md += `- implementations run: ${saved.impls.join(', ')}\n\n`;
  md += `Loopback, ${S.runs} run(s) per tunnel and config, interleaved (the order rotates per run and config, so each tunnel goes first equally often), medians [min–max]. `;
  md += `Same flags both sides and for every tunnel: --crypt aes (default), FEC 10/3 (default), compression on (default), --quiet, except where the config says otherwise; payload random (incompressible). `;
  md += `${S.tests ? `Measurements run: ${S.tests.join(', ')} (--tests). ` : ''}1 stream = ${S.singleBytes / MiB} MiB; ${N} streams = ${N} × ${S.perStreamBytes / MiB} MiB; ping = ${S.pingCount} round trips of 64 B after ${S.pingWarmup} warm-up; new connection = ${S.openCount ?? '-'} connections one after another, each timed from connect() to its first 64-byte echo (after 50 untimed).${S.quick ? ' **--quick**: small sizes, indicative only.' : ''} `;
  md += `The machine is shared: figures are noisy, compare the ratios within one run.\n\n`;
  md += `Ratios are ours ÷ peer: above 1 is better for throughput, below 1 is better for CPU, latency and memory. Targets are printed, never asserted.\n\n`;
  md += `† CPU = utime+stime of the client and server processes during the transfers ÷ bytes moved, counted over the transfers every tunnel completed in the same run (all four when all succeeded). `;
  md += `Idle RSS = VmRSS of each process after start-up and a 20-round-trip warm-up (+ ${S.idleSettleMs} ms), before any measurement; peak RSS = VmHWM just before it is stopped.\n`;
  if (ceiling?.bytesPerSec) md += `\n‡ share of the UDP ceiling = payload bytes/s ÷ ${(ceiling.bytesPerSec / 1e6).toFixed(1)} MB/s (${ceiling.label}, below).\n`;
  if (S.oursFlags?.length) md += `\n**Diagnostic run**: our processes also got \`${S.oursFlags.join(' ')}\` (not the same flags as the peers).\n`;
  if (saved.udpCeiling) md += `\n${renderUdpCeiling(saved.udpCeiling)}`;
  for (const config of Object.keys(saved.configs)) {
    const rows = records.filter((r) => r.config === config);
    summary[config] = {};
    const flags = saved.configs[config]!;
    md += `\n## ${config}${flags.length ? ` (\`${flags.join(' ')}\`)` : " (no tuning flags: each side's own defaults)"}\n\n`;
    md += `| metric | ours | upstream | kcptun | ours/upstream | ours/kcptun | target | met |\n|---|---:|---:|---:|---:|---:|---:|:---:|\n`;
    for (const m of metrics(N, ceiling?.bytesPerSec).filter((m) => measured(m.key, S.tests))) {
      if (m.configs && !m.configs.includes(config)) continue;
      const cells: Cells = {};
      for (const impl of IMPL_COLUMNS) if (saved.impls.includes(impl)) cells[impl] = cell(rows.filter((r) => r.impl === impl), m);
      const ratio = (peer: 'upstream' | 'kcptun') => {
        const a = cells.ours;
        const b = cells[peer];
        return ok(a) && ok(b) && b.median !== 0 ? a.median / b.median : undefined;
      };
      const ratios = { upstream: ratio('upstream'), kcptun: ratio('kcptun') };
      const t = m.target?.(config);
      const met = t?.judge(cells);
      summary[config][m.key] = { cells, ratios, target: t?.text, met };
      const show = (impl: Impl) => (cells[impl] ? fmt(cells[impl]!, m, S.runs) : '-');
      const r = (x: number | undefined) => (x !== undefined ? x.toFixed(2) : '-');
      md += `| ${m.label} | ${show('ours')} | ${show('upstream')} | ${show('kcptun')} | ${r(ratios.upstream)} | ${r(ratios.kcptun)} | ${t?.text ?? ''} | ${met === undefined ? (t ? 'n/a' : '') : met ? 'yes' : '**no**'} |\n`;
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
