/**
 * `npm run bench:udp` (and the start of `npm run bench`): this machine's UDP ceiling on loopback,
 * the yardstick for the tunnel's figures. One thread, two sockets, each sending 1350-byte datagrams
 * to the other while receiving from it (a tunnel endpoint's pattern: send and receive at once, on
 * the same thread). Every delivered datagram cost this thread one send and one receive.
 *
 * Variants, each in its own child process (the addon reads KCPTUNB_UDP and KCPTUNB_GSO when it
 * loads / opens a socket): node:dgram (`KCPTUNB_UDP=dgram`), the batched addon with GSO, and the
 * addon with `KCPTUNB_GSO=0`. Per variant: datagrams/s and µs of CPU (process.cpuUsage, user +
 * system, the whole child) per datagram; medians of `runs` runs, variants interleaved.
 *
 * Usage: node bench/dist/udpCeiling.js [--quick] [--runs N] [--seconds S]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatagramBatch, threadKernels } from '@kcptunb/wasm';
import { openUdpEndpoint, packPeer, udpImplementation } from '@kcptunb/udp';

export const DATAGRAM_BYTES = 1350;
/** Datagrams in flight per direction: fits the 4 MiB socket buffers (the tunnels' --sockbuf default). */
const WINDOW = 512;
const BATCH = 64;
const SOCKBUF = 4 * 2 ** 20;

export type VariantName = 'dgram' | 'addon' | 'addon-nogso';

export const VARIANTS: Record<VariantName, { label: string; env: Record<string, string>; kind: 'native' | 'dgram'; gso: boolean }> = {
  dgram: { label: 'node:dgram', env: { KCPTUNB_UDP: 'dgram' }, kind: 'dgram', gso: false },
  addon: { label: '@kcptunb/udp addon (recvmmsg/sendmmsg + GSO)', env: {}, kind: 'native', gso: true },
  'addon-nogso': { label: '@kcptunb/udp addon, KCPTUNB_GSO=0', env: { KCPTUNB_GSO: '0' }, kind: 'native', gso: false },
};

export interface CeilingRun {
  variant: VariantName;
  kind: string;
  seconds: number;
  datagrams: number;
  lost: number;
  datagramsPerSec: number;
  cpuUsPerDatagram: number;
  gsoSends: number;
  sendCalls: number;
}

export interface CeilingVariant {
  variant: VariantName;
  label: string;
  runs: CeilingRun[];
  /** Medians over the runs that completed; undefined when none did. */
  datagramsPerSec?: number;
  cpuUsPerDatagram?: number;
  /** datagramsPerSec × 1350: the bytes/s the tunnel's throughput is read against. */
  bytesPerSec?: number;
  errors: string[];
}

export interface CeilingResult {
  started: string;
  datagramBytes: number;
  window: number;
  secondsPerRun: number;
  variants: CeilingVariant[];
  /** The variant our tunnel uses by default on this machine (the addon where it loads). */
  reference: VariantName;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// the child: one measurement of one variant

async function measureChild(variant: VariantName, seconds: number): Promise<CeilingRun> {
  const want = VARIANTS[variant];
  const impl = udpImplementation();
  if (impl.kind !== want.kind) throw new Error(`${variant}: expected the ${want.kind} endpoint, got ${impl.kind}${impl.reason ? ` (${impl.reason})` : ''}`);
  const kernels = threadKernels();
  const payload = new DatagramBatch(kernels, BATCH);
  const data = new Uint8Array(DATAGRAM_BYTES).fill(0x5a);
  for (let i = 0; i < BATCH; i++) payload.push(data);

  // per direction d (0: a→b, 1: b→a): sent, delivered, written off as lost
  const sent = [0, 0];
  const got = [0, 0];
  const lost = [0, 0];
  let counting = false;
  let delivered = 0;
  const sendTo: Array<(batch: DatagramBatch) => void> = [];
  const topUp = (d: number) => {
    const send = sendTo[d];
    if (!send) return;
    for (let room = WINDOW - (sent[d]! - got[d]! - lost[d]!); room > 0; room -= payload.count) {
      payload.count = Math.min(BATCH, room);
      send(payload);
      sent[d]! += payload.count;
    }
    payload.count = BATCH;
  };
  const onReceive = (d: number) => (batch: DatagramBatch) => {
    got[d]! += batch.count;
    if (counting) delivered += batch.count;
    topUp(d);
  };
  const base = { kernels, family: 4 as const, bindAddress: '127.0.0.1', bindPort: 0, sockBuf: SOCKBUF, dscp: 0, log: () => {} };
  // the tunnel's two shapes: a like a server (unconnected, sends to an address), b like a client
  // (connected); b receives direction 0, a direction 1
  const a = await openUdpEndpoint({ ...base, onReceive: onReceive(1) });
  const b = await openUdpEndpoint({ ...base, connect: { address: '127.0.0.1', port: a.local.port }, onReceive: onReceive(0) });
  const bAddress = packPeer('127.0.0.1', b.local.port);
  sendTo.push((batch) => a.send(batch, bAddress), (batch) => b.send(batch));

  // a datagram the kernel dropped never arrives: after 20 ms without any arrival, write off what is in flight
  let lastTotal = -1;
  const watchdog = setInterval(() => {
    const total = got[0]! + got[1]!;
    if (total === lastTotal) {
      for (const d of [0, 1]) {
        lost[d]! += sent[d]! - got[d]! - lost[d]!;
        topUp(d);
      }
    }
    lastTotal = total;
  }, 20);
  topUp(0);
  topUp(1);
  await new Promise((r) => setTimeout(r, 200)); // warm-up: JIT, socket buffers
  const lost0 = lost[0]! + lost[1]!;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(watchdog);
  const stats = [a.stats(), b.stats()];
  a.close();
  b.close();
  return {
    variant,
    kind: impl.kind,
    seconds: elapsed,
    datagrams: delivered,
    lost: lost[0]! + lost[1]! - lost0,
    datagramsPerSec: delivered / elapsed,
    cpuUsPerDatagram: delivered > 0 ? (cpu.user + cpu.system) / delivered : NaN,
    gsoSends: stats[0]!.gsoSends + stats[1]!.gsoSends,
    sendCalls: stats[0]!.sendCalls + stats[1]!.sendCalls,
  };
}

// ---------------------------------------------------------------------------------------------
// the parent: interleaved runs of every variant, medians

function runChild(variant: VariantName, seconds: number): Promise<CeilingRun> {
  const self = fileURLToPath(import.meta.url);
  const env = { ...process.env };
  delete env.KCPTUNB_UDP;
  delete env.KCPTUNB_GSO;
  Object.assign(env, VARIANTS[variant].env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, '--child', variant, '--seconds', String(seconds)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000 + 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        try {
          resolve(JSON.parse(out.trim().split('\n').pop()!) as CeilingRun);
          return;
        } catch {
          // fall through: unreadable output
        }
      }
      reject(new Error(`${variant}: child ${signal ? `killed by ${signal}` : `exit code ${code}`}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

export async function measureUdpCeiling(o: { runs: number; seconds: number; log?: (line: string) => void }): Promise<CeilingResult> {
  const log = o.log ?? ((l: string) => console.error(l));
  const names = Object.keys(VARIANTS) as VariantName[];
  const variants: CeilingVariant[] = names.map((v) => ({ variant: v, label: VARIANTS[v].label, runs: [], errors: [] }));
  const started = new Date().toISOString();
  for (let run = 0; run < o.runs; run++) {
    // rotate the order so each variant goes first equally often
    for (let k = 0; k < names.length; k++) {
      const v = variants[(run + k) % names.length]!;
      try {
        const r = await runChild(v.variant, o.seconds);
        v.runs.push(r);
        log(`  udp ${v.variant.padEnd(11)} run ${run + 1}: ${(r.datagramsPerSec / 1000).toFixed(1)} k datagrams/s, ${r.cpuUsPerDatagram.toFixed(2)} µs CPU each, ${r.lost} lost, ${r.gsoSends} GSO sends`);
      } catch (e) {
        v.errors.push((e as Error).message);
        log(`  ✗ udp ${v.variant} run ${run + 1}: ${(e as Error).message}`);
      }
    }
  }
  for (const v of variants) {
    v.datagramsPerSec = median(v.runs.map((r) => r.datagramsPerSec));
    v.cpuUsPerDatagram = median(v.runs.map((r) => r.cpuUsPerDatagram));
    v.bytesPerSec = v.datagramsPerSec !== undefined ? v.datagramsPerSec * DATAGRAM_BYTES : undefined;
  }
  const reference: VariantName = udpImplementation().kind === 'native' && process.env.KCPTUNB_UDP !== 'dgram' ? (process.env.KCPTUNB_GSO === '0' ? 'addon-nogso' : 'addon') : 'dgram';
  return { started, datagramBytes: DATAGRAM_BYTES, window: WINDOW, secondsPerRun: o.seconds, variants, reference };
}

/** The markdown section. */
export function renderUdpCeiling(c: CeilingResult): string {
  let md = `## UDP ceiling (loopback, one thread, ${c.datagramBytes}-byte datagrams both ways at once)\n\n`;
  md += `Two sockets on one thread, each sending to the other while receiving (≤ ${c.window} datagrams in flight per direction); every delivered datagram cost the thread one send and one receive. `;
  md += `Medians of ${c.variants[0]?.runs.length ?? 0} run(s) × ${c.secondsPerRun} s, variants interleaved, one child process per run; CPU = user + system of that process ÷ datagrams delivered. On a loaded machine datagrams/s follows the CPU share the thread got; the CPU per datagram (and its inverse, what one fully-owned core would do) is the steadier figure.\n\n`;
  md += `| UDP path | datagrams/s | MB/s (× ${c.datagramBytes} B) | µs CPU per datagram | datagrams per CPU-second | runs ok |\n|---|---:|---:|---:|---:|---:|\n`;
  for (const v of c.variants) {
    const ok = v.runs.length;
    const n = ok + v.errors.length;
    const ref = v.variant === c.reference ? ' **(ceiling used below)**' : '';
    md += `| ${v.label}${ref} | ${v.datagramsPerSec !== undefined ? Math.round(v.datagramsPerSec).toLocaleString('en-US') : 'failed'} | ${v.bytesPerSec !== undefined ? (v.bytesPerSec / 1e6).toFixed(1) : '-'} | ${v.cpuUsPerDatagram !== undefined ? v.cpuUsPerDatagram.toFixed(2) : '-'} | ${v.cpuUsPerDatagram ? Math.round(1e6 / v.cpuUsPerDatagram).toLocaleString('en-US') : '-'} | ${ok}/${n} |\n`;
  }
  const errs = c.variants.flatMap((v) => v.errors);
  if (errs.length) md += `\nFailed runs: ${errs.join('; ')}\n`;
  return md;
}

// ---------------------------------------------------------------------------------------------
// entry points

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain) {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const child = opt('--child') as VariantName | undefined;
  const quick = argv.includes('--quick');
  const seconds = Number(opt('--seconds') ?? (quick ? 1 : 2));
  if (child) {
    if (!VARIANTS[child]) {
      console.error(`unknown variant ${child}`);
      process.exit(2);
    }
    const r = await measureChild(child, seconds);
    console.log(JSON.stringify(r));
    process.exit(0);
  }
  const runs = Math.round(Number(opt('--runs') ?? 3));
  if (!(runs >= 1) || !(seconds > 0)) {
    console.error('--runs needs a positive integer and --seconds a positive number');
    process.exit(2);
  }
  const result = await measureUdpCeiling({ runs, seconds });
  const md = renderUdpCeiling(result);
  console.log(md);
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `udp-${result.started.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, ...result }, null, 2));
  writeFileSync(file.replace(/\.json$/, '.md'), md);
  console.log(`results: ${file}`);
  process.exit(0);
}
