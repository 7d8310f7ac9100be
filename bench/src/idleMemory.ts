/**
 * What idle sessions and idle streams cost in resident memory: a tunnel with `--conn 1` and one
 * with `--conn C`, each first idle after a warm-up, then holding N TCP connections open through it
 * (each has echoed 16 bytes end to end, so its smux stream exists on both sides), RSS read after
 * each step has settled. Reported per process: RSS idle, RSS with N streams, bytes per idle stream
 * ((RSS_N − RSS_idle) ÷ N), and bytes per idle session ((RSS_idle with C sessions − with 1) ÷ (C − 1));
 * and the CPU each process burns per second while idle (its timers), with 1 and with C sessions.
 * Beside idle RSS: PSS, USS and anonymous memory (smaps_rollup), which leave out or share node's own
 * binary pages.
 *
 *   npm run bench:idle                                  ours, 1,000 streams, --conn 1 and 8
 *   npm run bench:idle -- --streams 500 --conn 4 --impls ours,upstream
 *
 * Fast3 flags on both ends (as `npm run bench`'s fast3 config). Bounded: every connection's echo
 * within 20 s, settling waits fixed at --settle-ms (RSS is a level, not an event to await).
 */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { loadAverage, ProcessGroup, sleep, Tunnel, type Impl } from '@kcptunb/testkit';

const FAST3 = ['--key', 'idle', '--quiet', '--mode', 'fast3', '--sndwnd', '1024', '--rcvwnd', '1024'];

interface Args {
  streams: number;
  conn: number;
  impls: Impl[];
  settleMs: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { streams: 1000, conn: 8, impls: ['ours'], settleMs: 1500 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[++i];
    switch (argv[i - 1]) {
      case '--streams': a.streams = Number(v); break;
      case '--conn': a.conn = Number(v); break;
      case '--impls': a.impls = v!.split(',') as Impl[]; break;
      case '--settle-ms': a.settleMs = Number(v); break;
      default: throw new Error(`unknown argument ${argv[i - 1]}`);
    }
  }
  if (!(a.streams >= 1 && a.conn >= 2)) throw new Error('--streams ≥ 1 and --conn ≥ 2');
  return a;
}

/** How long idle CPU is sampled (the tunnel holds its sessions and no stream). */
const IDLE_CPU_MS = 5000;

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/**
 * Beside RSS (the headline, as the targets state it): PSS (shared pages divided among the
 * processes that map them: node's binary is mapped by both ends and by the bench), USS (pages
 * no other process maps: smaps_rollup Private_Clean + Private_Dirty) and anonymous memory (what
 * the process itself allocated), KiB.
 */
interface Shares {
  pss: number;
  uss: number;
  anon: number;
}

function sharesOf(pid: number): Shares {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const f = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { pss: f('Pss'), uss: f('Private_Clean') + f('Private_Dirty'), anon: f('Anonymous') };
}

/** One connection through the tunnel, 16 bytes echoed; resolves with the open socket. */
function openEchoed(port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => (s.destroy(), reject(new Error('no echo within the time limit'))), timeoutMs);
    let got = 0;
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
    s.on('connect', () => s.write(Buffer.alloc(16, 7)));
    s.on('data', (d) => {
      got += d.length;
      if (got >= 16) {
        clearTimeout(timer);
        resolve(s);
      }
    });
  });
}

interface Row {
  impl: Impl;
  conn: number;
  idle: { client: number; server: number };
  shares: { client: Shares; server: Shares };
  withStreams?: { client: number; server: number };
  /** CPU (utime + stime, all threads) per second of wall time while idle, ms/s: timers a quiet tunnel still runs. */
  idleCpu: { client: number; server: number };
}

/** CPU ms per second of `t`'s processes over `ms` of idleness. */
async function idleCpu(t: { cpu(): { client: number; server: number } }, ms: number): Promise<{ client: number; server: number }> {
  const c0 = t.cpu();
  const t0 = Date.now();
  await sleep(ms);
  const c1 = t.cpu();
  const secs = (Date.now() - t0) / 1000;
  return { client: ((c1.client - c0.client) * 1000) / secs, server: ((c1.server - c0.server) * 1000) / secs };
}

async function measure(group: ProcessGroup, impl: Impl, conn: number, streams: number, settleMs: number, echo: number): Promise<Row> {
  const flags = [...FAST3, '--conn', String(conn)];
  const t = await group.tunnel({ client: impl, server: impl, targetPort: echo, serverArgs: FAST3, clientArgs: flags, keepChars: 32 * 1024 });
  const pids = { client: t.client.child.pid!, server: t.server.child.pid! };
  try {
    // every session carries a stream once (a client opens its --conn sessions as streams need them)
    const warm = await Promise.all(Array.from({ length: conn * 2 }, () => openEchoed(t.port, 20_000)));
    for (const s of warm) s.destroy();
    await sleep(settleMs);
    const idle = { client: rssKiB(pids.client), server: rssKiB(pids.server) };
    const shares = { client: sharesOf(pids.client), server: sharesOf(pids.server) };
    const row: Row = { impl, conn, idle, shares, idleCpu: await idleCpu(t, IDLE_CPU_MS) };
    if (streams > 0) {
      const open: Socket[] = [];
      try {
        for (let i = 0; i < streams; i += 50) open.push(...(await Promise.all(Array.from({ length: Math.min(50, streams - i) }, () => openEchoed(t.port, 20_000)))));
        await sleep(settleMs);
        row.withStreams = { client: rssKiB(pids.client), server: rssKiB(pids.server) };
      } finally {
        for (const s of open) s.destroy();
      }
    }
    return row;
  } finally {
    await t.stop();
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const group = new ProcessGroup();
  const load0 = loadAverage();
  const echo = await group.echoServer();
  const mib = (k: number) => (k / 1024).toFixed(1);
  const per = (kib: number, n: number) => (kib / n).toFixed(1);
  console.log(`idle memory: fast3, ${a.streams} idle streams, --conn 1 and ${a.conn}; load ${load0.join(' ')}`);
  console.log('| impl | side | idle RSS MiB, --conn 1 | PSS / USS / anon MiB | with streams MiB | KiB per idle stream | idle RSS MiB, --conn C | KiB per idle session | idle CPU ms/s, --conn 1 | idle CPU ms/s, --conn C |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  try {
    for (const impl of a.impls) {
      const one = await measure(group, impl, 1, a.streams, a.settleMs, echo);
      const many = await measure(group, impl, a.conn, 0, a.settleMs, echo);
      for (const side of ['client', 'server'] as const) {
        const w = one.withStreams![side];
        const sh = one.shares[side];
        console.log(`| ${impl} | ${side} | ${mib(one.idle[side])} | ${mib(sh.pss)} / ${mib(sh.uss)} / ${mib(sh.anon)} | ${mib(w)} | ${per(w - one.idle[side], a.streams)} | ${mib(many.idle[side])} | ${per(many.idle[side] - one.idle[side], a.conn - 1)} | ${one.idleCpu[side].toFixed(1)} | ${many.idleCpu[side].toFixed(1)} |`);
      }
    }
  } finally {
    await group.cleanup();
  }
  console.log(`load after: ${loadAverage().join(' ')}`);
}

await main();
