/**
 * Soak: rounds of short sessions against one real `kcptunb server` process; after each round,
 * once the server has expired every session (CurrEstab 0 through SIGUSR1, bounded), its RSS,
 * anonymous memory, fd and thread counts. Memory that comes back shows as a flat RSS column.
 *
 *   npm run bench:soak                                  10 rounds × 1,000 sessions × 10 streams, 100 sessions/s
 *   npm run bench:soak -- --rounds 3 --sessions 500     smaller
 *   npm run bench:soak -- --server-env KCPTUNB_SHARDS=0 (any NAME=VALUE for the server)
 *   npm run bench:soak -- --rate 200 --maps           200 sessions/s; RSS by mapping kind
 *   npm run bench:soak -- --live 0                      no cap on the server's live sessions
 *
 * The server's live sessions (CurrEstab, sampled every 250 ms) are held at most `--live` (default
 * 100): a silent session stays live until its keepalive timeout, so without the cap the number
 * alive at once — and with it the RSS high-water mark — follows how fast the machine runs each
 * round, and rounds could not be compared. Each round reports its peak. A warm-up round 0 (JIT,
 * V8 heaps, the kernels' WebAssembly memory, which grows but never shrinks) is not compared.
 *
 * Sessions are driven from this process with the project's own cores (testkit rawClient): each
 * opens its streams one after another, gets each request echoed, closes them and goes silent.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKernels } from '@kcptunb/wasm';
import { freeUdpPort, killAll, ProcessGroup, readMemory, REPO_ROOT, shortSessions, sleep, snmpOf, waitFor, type MemoryReading, type Proc } from '@kcptunb/testkit';

interface Args {
  rounds: number;
  sessions: number;
  streams: number;
  parallel: number;
  serverEnv: Record<string, string>;
  serverArgs: string[];
  /** Sessions opened per second (fixed pacing keeps the server's concurrency the same every round). */
  rate: number;
  /** Print the server's resident memory by mapping kind after each round. */
  maps: boolean;
  /** Hold the server's live sessions at most this many (0: no cap). */
  live: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rounds: 10, sessions: 1000, streams: 10, parallel: 100, serverEnv: {}, serverArgs: [], rate: 100, maps: false, live: 100 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--rounds': a.rounds = Number(v); i++; break;
      case '--sessions': a.sessions = Number(v); i++; break;
      case '--streams': a.streams = Number(v); i++; break;
      case '--parallel': a.parallel = Number(v); i++; break;
      case '--rate': a.rate = Number(v); i++; break;
      case '--maps': a.maps = true; break;
      case '--live': a.live = Number(v); i++; break;
      case '--server-env': { const [k, ...rest] = v!.split('='); a.serverEnv[k!] = rest.join('='); i++; break; }
      case '--server-arg': a.serverArgs.push(v!); i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

export interface SoakRow extends MemoryReading {
  round: number;
  sessionsTotal: number;
  streamsTotal: number;
  failed: number;
  roundMs: number;
  expireMs: number;
  /** The most sessions the server had alive at once during the round (sampled). */
  peakLive: number;
}

/**
 * Run the soak against a fresh server; `onRow` sees each round as it ends. Keepalive is short
 * (500 ms pings, 2 s timeout) so silent sessions expire quickly.
 */
export async function soak(a: Args, group: ProcessGroup, onRow: (r: SoakRow) => void = () => {}): Promise<SoakRow[]> {
  const kernels = loadKernels();
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const key = 'soak';
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, '--key', key, '--quiet', '--keepalivems', '500', '--keepalive-timeout', '2000', ...a.serverArgs], { ...process.env, ...a.serverEnv });
  await server.waitOutput(/listening on/, 10_000);
  const pid = server.child.pid!;
  const rows: SoakRow[] = [];
  const live = liveSessions(server);
  const gate = async () => {
    const deadline = Date.now() + 30_000;
    while (a.live > 0 && live.now >= a.live && Date.now() < deadline) await sleep(20);
    live.now++; // counted at once, so lanes between two samples do not all pass
  };
  let sessionsTotal = 0;
  try {
    for (let round = 0; round <= a.rounds; round++) {
      const t0 = Date.now();
      live.peak = 0;
      const r = await shortSessions(a.sessions, a.parallel, a.rate, { kernels, port: udp, key, streams: a.streams, timeoutMs: 20_000 }, gate);
      const roundMs = Date.now() - t0;
      const peakLive = live.peak;
      const t1 = Date.now();
      await waitFor(async () => (await snmpOf(server)).CurrEstab === 0, 60_000, 'the server to expire every session', { pollMs: 250, diag: () => server.tail() });
      if (r.firstError) process.stderr.write(`round ${round}: ${r.failed} failed, first: ${r.firstError}\n`);
      if (round === 0) continue; // the warm-up
      sessionsTotal += a.sessions;
      const row: SoakRow = { round, sessionsTotal, streamsTotal: sessionsTotal * a.streams, failed: r.failed, roundMs, expireMs: Date.now() - t1, peakLive, ...readMemory(pid) };
      rows.push(row);
      if (a.maps) console.log(`  mappings: ${smapsSummary(pid)}`);
      onRow(row);
    }
  } finally {
    live.stop();
  }
  return rows;
}

/** The server's CurrEstab, sampled every 250 ms through SIGUSR1, and its peak since reset. */
function liveSessions(server: Proc): { now: number; peak: number; stop: () => void } {
  const state = { now: 0, peak: 0, stop: () => {} };
  let running = true;
  state.stop = () => (running = false);
  void (async () => {
    while (running && server.alive) {
      try {
        state.now = (await snmpOf(server)).CurrEstab ?? 0;
        state.peak = Math.max(state.peak, state.now);
      } catch {
        // a slow answer: the next sample
      }
      await sleep(250);
    }
  })();
  return state;
}

function smapsSummary(pid: number): string {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const buckets = new Map<string, { n: number; rss: number }>();
  let size = 0;
  let name = '';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      size = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) >> 10;
      name = head[3] || (size >= 65536 ? 'anon≥64M' : size >= 2048 ? 'anon2-64M' : size >= 256 ? `anon${size}K` : 'anon<256K');
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) {
      const key = name.startsWith('/') ? 'files' : name;
      const b = buckets.get(key) ?? { n: 0, rss: 0 };
      b.n++;
      b.rss += Number(rss[1]);
      buckets.set(key, b);
    }
  }
  return [...buckets].filter(([, b]) => b.rss > 1024).map(([k, b]) => `${k}: ${b.n} maps ${(b.rss / 1024).toFixed(0)} MiB`).join('; ');
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(0);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const group = new ProcessGroup();
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  console.log(`soak: warm-up + ${a.rounds} rounds × ${a.sessions} sessions × ${a.streams} streams, ${a.rate} sessions/s, at most ${a.parallel} at once from here, ${a.live || 'no cap on'} live on the server`);
  console.log('| round | sessions | streams | failed | round s | expire s | peak live | RSS MiB | anon MiB | fds | threads |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  try {
    const rows = await soak(a, group, (r) => console.log(`| ${r.round} | ${r.sessionsTotal} | ${r.streamsTotal} | ${r.failed} | ${(r.roundMs / 1000).toFixed(1)} | ${(r.expireMs / 1000).toFixed(1)} | ${r.peakLive} | ${mib(r.rssKiB)} | ${mib(r.anonKiB)} | ${r.fds} | ${r.threads} |`));
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    console.log(`RSS last/first round: ${(last.rssKiB / first.rssKiB).toFixed(3)} (target ≤ 1.10) at peak live ${first.peakLive} / ${last.peakLive}; fds ${first.fds} → ${last.fds}`);
    const dir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'soak.json'), JSON.stringify({ args: a, rows }, null, 2));
  } finally {
    await group.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    console.error(e.stack ?? e.message);
    killAll();
    process.exit(1);
  });
}
