/**
 * `npm run bench:lossy`: the tunnels over bad links, the case kcptun exists for. Each client dials
 * the server through the UDP impairment relay (packages/testkit udpRelay.ts: seeded loss, a
 * fixed one-way delay, jitter that reorders), the same path for every tunnel, interleaved runs,
 * medians. Per path and config: upload and download of one stream, and a 64-byte ping-pong's
 * p50/p99 with the loss. Loss and delay dominate these figures, not the CPU, so they hold on a
 * busy machine better than the loopback bench's.
 *
 *   npm run bench:lossy
 *   npm run bench:lossy -- --runs 1 --paths bad --configs fast3 --impls ours,upstream --mib 4
 *
 * Bounded: every transfer has a rate floor and a deadline (testkit measure.ts), every tunnel
 * start a timeout; the relay is closed after each tunnel.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll, loadAverage, percentile, pingPong, startUdpRelay, Target, transfer, Tunnel, type Impairment, type Impl, type Limits, type UdpRelay } from '@kcptunb/testkit';
import { ALL_CONFIGS, MiB } from './tunnelRun.js';

/** Each direction impaired alike. RTT = twice the delay (plus the jitter's mean). */
const PATHS: Record<string, { about: string; each: Impairment }> = {
  clean: { about: '15 ms each way, nothing else (the control: what the delay alone costs)', each: { delayMs: 15 } },
  wan: { about: '15 ms each way, jitter 0–2 ms, 1% loss each way', each: { delayMs: 15, jitterMs: 2, loss: 0.01 } },
  bad: { about: '40 ms each way, jitter 0–10 ms, 5% loss each way', each: { delayMs: 40, jitterMs: 10, loss: 0.05 } },
};

interface Args {
  runs: number;
  mib: number;
  pings: number;
  paths: string[];
  configs: string[];
  impls: Impl[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 3, mib: 8, pings: 200, paths: ['wan', 'bad'], configs: ['defaults', 'fast3'], impls: ['ours', 'upstream', 'kcptun'] };
  const bad = (msg: string): never => {
    console.error(`bench:lossy: ${msg}`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[++i] ?? bad(`${flag} needs a value`);
    const list = () => v.split(',').filter(Boolean);
    switch (flag) {
      case '--runs': a.runs = Number(v); break;
      case '--mib': a.mib = Number(v); break;
      case '--pings': a.pings = Number(v); break;
      case '--paths': a.paths = list(); break;
      case '--configs': a.configs = list(); break;
      case '--impls': a.impls = list() as Impl[]; break;
      default: bad(`unknown argument ${flag}`);
    }
  }
  if (!(a.runs >= 1 && a.mib > 0 && a.pings >= 1)) bad('--runs, --mib and --pings need positive numbers');
  for (const p of a.paths) if (!PATHS[p]) bad(`unknown path ${p} (have: ${Object.keys(PATHS).join(', ')})`);
  for (const c of a.configs) if (!ALL_CONFIGS[c]) bad(`unknown config ${c} (have: ${Object.keys(ALL_CONFIGS).join(', ')})`);
  return a;
}

interface Cell {
  up?: number;
  down?: number;
  p50?: number;
  p99?: number;
  failures: string[];
}

/** A transfer's floor: 0.05 MB/s over 10 s fails it; the deadline allows 0.1 MB/s on average. */
function limits(bytes: number): Limits {
  return { stallMs: 15_000, deadlineMs: (bytes / 0.1e6) * 1000 + 10_000, minRateMBps: 0.05, rateWindowMs: 10_000 };
}

async function oneTunnel(args: Args, path: string, config: string, impl: Impl, target: Target): Promise<Cell> {
  const cell: Cell = { failures: [] };
  const flags = ['--key', 'lossy-bench', '--quiet', ...ALL_CONFIGS[config]!];
  let relay: UdpRelay | undefined;
  let tunnel: Tunnel | undefined;
  try {
    tunnel = await Tunnel.start({
      client: impl,
      server: impl,
      targetPort: target.port,
      serverArgs: flags,
      clientArgs: flags,
      keepChars: 32 * 1024,
      timeoutMs: 20_000,
      dialVia: async (udpPort) => {
        relay = await startUdpRelay({ target: { port: udpPort }, up: PATHS[path]!.each, down: PATHS[path]!.each, seed: 7 });
        return relay.port;
      },
    });
    await pingPong(tunnel, 20, 5, 10_000, { stallMs: 15_000, deadlineMs: 20_000 });
    const bytes = args.mib * MiB;
    const steps: Array<[string, (t: Tunnel) => Promise<void>]> = [
      ['ping', async (t) => {
        const p = await pingPong(t, args.pings, 10, 60_000, { stallMs: 15_000, deadlineMs: 90_000 });
        cell.p50 = p.p50Ms;
        cell.p99 = p.p99Ms;
      }],
      ['up', async (t) => void (cell.up = (await transfer(t, 'up', 1, bytes, limits(bytes))).mbPerSec)],
      ['down', async (t) => void (cell.down = (await transfer(t, 'down', 1, bytes, limits(bytes))).mbPerSec)],
    ];
    for (const [name, step] of steps) {
      target.dropAll();
      try {
        await step(tunnel);
      } catch (e) {
        cell.failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  } catch (e) {
    cell.failures.push(`start: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await tunnel?.stop();
    await relay?.close();
    target.dropAll();
  }
  return cell;
}

const median = (xs: Array<number | undefined>): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return v.length ? percentile(v, 0.5) : undefined;
};
const fmt = (x: number | undefined, digits: number) => (x === undefined ? '-' : x.toFixed(digits));

function render(args: Args, cells: Map<string, Cell[]>, started: string, loadStart: number[]): string {
  const others = args.impls.filter((i) => i !== 'ours');
  let md = `# Tunnels over impaired links: kcptunb vs ${others.join(' vs ')}\n\n`;
  md += `- started ${started}; load ${loadStart.join(' ')} → ${loadAverage().join(' ')}; ${args.runs} interleaved run(s), medians; one stream of ${args.mib} MiB each way (random payload); ping = ${args.pings} round trips of 64 B\n`;
  for (const p of args.paths) md += `- path \`${p}\`: ${PATHS[p]!.about} (the relay: seeded, the same for every tunnel)\n`;
  md += `\nRatios are ours ÷ peer: above 1 is better for throughput, below 1 for latency.\n`;
  const rows: Array<[string, keyof Cell, number]> = [['upload MB/s', 'up', 2], ['download MB/s', 'down', 2], ['ping p50 ms', 'p50', 1], ['ping p99 ms', 'p99', 1]];
  for (const p of args.paths) {
    for (const c of args.configs) {
      md += `\n## ${p}, ${c}\n\n| metric | ${args.impls.join(' | ')} | ${others.map((o) => `ours/${o}`).join(' | ')} |\n|---|${args.impls.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|\n`;
      for (const [label, key, digits] of rows) {
        const m = Object.fromEntries(args.impls.map((i) => [i, median((cells.get(`${p}/${c}/${i}`) ?? []).map((x) => x[key] as number | undefined))]));
        const ratio = (o: Impl) => (m.ours !== undefined && m[o] ? (m.ours / m[o]!).toFixed(2) : '-');
        md += `| ${label} | ${args.impls.map((i) => fmt(m[i], digits)).join(' | ')} | ${others.map(ratio).join(' | ')} |\n`;
      }
      const failed = args.impls.flatMap((i) => (cells.get(`${p}/${c}/${i}`) ?? []).flatMap((x) => x.failures.map((f) => `${i}: ${f}`)));
      if (failed.length) md += `\nFailures: ${failed.join('; ')}\n`;
    }
  }
  return md;
}

const args = parseArgs(process.argv.slice(2));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (killAll(), process.exit(130)));
const started = new Date().toISOString();
const loadStart = loadAverage();
const target = await Target.start();
const cells = new Map<string, Cell[]>();
try {
  for (let run = 1; run <= args.runs; run++) {
    for (const [pi, p] of args.paths.entries()) {
      for (const [ci, c] of args.configs.entries()) {
        // the order rotates per run, path and config, so each tunnel goes first equally often
        const shift = (run - 1 + pi + ci) % args.impls.length;
        for (const impl of [...args.impls.slice(shift), ...args.impls.slice(0, shift)]) {
          const t0 = Date.now();
          const cell = await oneTunnel(args, p, c, impl, target);
          const key = `${p}/${c}/${impl}`;
          cells.set(key, [...(cells.get(key) ?? []), cell]);
          console.error(`  run ${run} ${key.padEnd(22)} up ${fmt(cell.up, 2)} down ${fmt(cell.down, 2)} MB/s, ping p50/p99 ${fmt(cell.p50, 1)}/${fmt(cell.p99, 1)} ms${cell.failures.length ? `, failed: ${cell.failures.join('; ')}` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        }
      }
    }
  }
} finally {
  await target.close();
}
const md = render(args, cells, started, loadStart);
console.log(md);
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `lossy-${started.replace(/[:.]/g, '-')}`);
writeFileSync(`${file}.json`, JSON.stringify({ started, args, paths: PATHS, cells: Object.fromEntries(cells) }, null, 2));
writeFileSync(`${file}.md`, md);
console.log(`results: ${file}.{json,md}`);
process.exit(0);
