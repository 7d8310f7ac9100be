/**
 * One tunnel run of the tunnel bench: a fresh client + server of one implementation and config,
 * idle RSS after start-up, then every measurement under its guards; a fresh tunnel after a failure.
 */
import { readFileSync } from 'node:fs';
import { pingPong, sleep, streamOpens, Target, transfer, Tunnel, type Impl, type Limits, type Ping, type Transfer } from '@kcptunb/testkit';

export const MiB = 2 ** 20;

export interface BenchSettings {
  quick: boolean;
  runs: number;
  singleBytes: number;
  streams: number;
  perStreamBytes: number;
  pingCount: number;
  pingWarmup: number;
  pingBudgetMs: number;
  /** Timed new connections (each: connect → first 64-byte echo) through the warm tunnel. */
  openCount: number;
  /** A transfer slower than this (MB/s) over 10 s is reported as failed ("too slow"). */
  minRateMBps: number;
  stallMs: number;
  key: string;
  /** Diagnostics only: extra flags for OUR client and server (e.g. "--streambuf-en=0"); shown in the table. */
  oursFlags: string[];
  /** Settle time between the warm-up and the idle RSS reading. */
  idleSettleMs: number;
  /** The measurements to run (all when absent); e.g. ['ping'] for a latency-only run. */
  tests?: TestName[];
}

/** The same flags on both ends and for every implementation. */
export const ALL_CONFIGS: Record<string, string[]> = {
  defaults: [],
  fast3: ['--mode', 'fast3', '--sndwnd', '1024', '--rcvwnd', '1024'],
  raw: ['--crypt', 'none', '--nocomp', '--ds', '0', '--ps', '0', '--mode', 'fast3', '--sndwnd', '1024', '--rcvwnd', '1024'],
};

/** Untimed round trips on the timed ping's own connection (its stream opening). */
const PING_CONNECTION_WARMUP = 20;

/** Untimed connections before the timed ones (the opening path's JIT warm-up). */
const OPEN_WARMUP = 50;

export const TEST_NAMES = ['ping', 'open', 'up1', 'down1', 'upN', 'downN'] as const;
export type TestName = (typeof TEST_NAMES)[number];
export type TransferName = Exclude<TestName, 'ping' | 'open'>;

export interface Failure {
  test: TestName | 'start';
  error: string;
  commands: string[];
  output: Record<string, string>;
}

export interface RunRecord {
  run: number;
  config: string;
  impl: Impl;
  /** Position of this impl within its (run, config) round: 0 = went first. */
  position: number;
  ping?: Ping;
  /** New connection → first echo, ms (the stream opening end to end, the server's dial included). */
  open?: Ping;
  /** CPU (client + server, all threads) per timed-and-warm-up ping round trip, ms. */
  pingCpuMsPerRoundTrip?: number;
  transfers: Partial<Record<TransferName, Transfer>>;
  cpuSecPerGB?: number;
  cpuSecPerGBClient?: number;
  cpuSecPerGBServer?: number;
  /** CPU s/GB over the transfers every tunnel completed in this run and config (see pairCpu). */
  cpuPaired?: { total: number; client: number; server: number; tests: string[] };
  peakRssKiB: { client: number; server: number };
  /** VmRSS of each process after start-up + warm-up, before any measurement (first tunnel of the run). */
  idleRssKiB?: { client: number; server: number };
  failures: Failure[];
  tunnelsStarted: number;
}

/** Resident set now (VmRSS, KiB) of a live process; undefined once it is gone. */
function vmRssKiB(pid: number | undefined): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Stall watchdog, a rate floor over a sliding 10-s window, and a hard deadline at the floor rate. */
function limitsFor(s: BenchSettings, bytes: number): Limits {
  return { stallMs: s.stallMs, deadlineMs: Math.max(30_000, (bytes / (s.minRateMBps * 1e6)) * 1000 + 10_000), minRateMBps: s.minRateMBps, rateWindowMs: 10_000 };
}

export async function tunnelRun(s: BenchSettings, run: number, config: string, impl: Impl, position: number, target: Target): Promise<RunRecord> {
  const rec: RunRecord = { run, config, impl, position, transfers: {}, peakRssKiB: { client: 0, server: 0 }, failures: [], tunnelsStarted: 0 };
  const flags = impl === 'ours' ? [...ALL_CONFIGS[config]!, ...s.oursFlags] : ALL_CONFIGS[config]!;
  // the same flags on both ends, after -l/-r/-t; output trimmed to its newest 32–64 KiB per process
  const common = ['--key', s.key, '--quiet', ...flags];
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
    [
      'ping',
      async (t) => {
        // a long-running tunnel's latency: round trips first, untimed, until the JIT has compiled
        // the data path (a fresh Node process's first thousands of round trips cost up to 2.5×
        // the CPU of later ones; Go has no such phase), then the timed run on a new connection
        if (s.pingWarmup > 0) await pingPong(t, s.pingWarmup, 1, s.pingBudgetMs, limitsFor(s, 0));
        const before = t.cpu();
        rec.ping = await pingPong(t, s.pingCount, PING_CONNECTION_WARMUP, s.pingBudgetMs, limitsFor(s, 0));
        const after = t.cpu();
        const cpuSeconds = after.client - before.client + (after.server - before.server);
        rec.pingCpuMsPerRoundTrip = (cpuSeconds * 1000) / (rec.ping.samples + PING_CONNECTION_WARMUP);
      },
    ],
    [
      'open',
      // after the ping's warm-up the data path is compiled; the opening path gets its own untimed round
      async (t) => void (rec.open = await streamOpens(t, s.openCount, OPEN_WARMUP, s.pingBudgetMs, limitsFor(s, 0))),
    ],
    ['up1', async (t) => void (rec.transfers.up1 = await transfer(t, 'up', 1, s.singleBytes, limitsFor(s, s.singleBytes)))],
    ['down1', async (t) => void (rec.transfers.down1 = await transfer(t, 'down', 1, s.singleBytes, limitsFor(s, s.singleBytes)))],
    ['upN', async (t) => void (rec.transfers.upN = await transfer(t, 'up', s.streams, s.perStreamBytes, limitsFor(s, s.streams * s.perStreamBytes)))],
    ['downN', async (t) => void (rec.transfers.downN = await transfer(t, 'down', s.streams, s.perStreamBytes, limitsFor(s, s.streams * s.perStreamBytes)))],
  ];

  const chosen = s.tests ? tests.filter(([name]) => s.tests!.includes(name)) : tests;
  try {
    for (const [name, body] of chosen) {
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
        if (rec.tunnelsStarted === 1) {
          await sleep(s.idleSettleMs);
          const client = vmRssKiB(tunnel.client.child.pid);
          const server = vmRssKiB(tunnel.server.child.pid);
          if (client !== undefined && server !== undefined) rec.idleRssKiB = { client, server };
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
    const sv = done.reduce((a, x) => a + x.cpu.server, 0);
    rec.cpuSecPerGBClient = (c / bytes) * 1e9;
    rec.cpuSecPerGBServer = (sv / bytes) * 1e9;
    rec.cpuSecPerGB = ((c + sv) / bytes) * 1e9;
  }
  return rec;
}

/**
 * CPU s/GB over the transfers that EVERY tunnel completed in the same run and config (all four
 * when all succeeded), so a tunnel that failed some transfers is not compared on a different mix.
 */
export function pairCpu(records: RunRecord[]): void {
  for (const r of records) {
    const others = records.filter((o) => o !== r && o.run === r.run && o.config === r.config);
    const keys = (Object.keys(r.transfers) as TransferName[]).filter((k) => r.transfers[k] && others.every((o) => o.transfers[k]));
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

/** The order of the implementations in round (run, config index): rotated, so each goes first equally often. */
export function roundOrder<T>(impls: readonly T[], run: number, configIndex: number): T[] {
  const k = impls.length;
  const shift = (run - 1 + configIndex) % k;
  return [...impls.slice(shift), ...impls.slice(0, shift)];
}
