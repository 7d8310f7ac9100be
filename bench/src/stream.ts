/**
 * `npm run bench:stream`: the stream layer.
 *
 * (a) KCP alone, CPU-bound: two Kcp back to back with no loss and a large
 *     window, 64 MiB through send → flush → input → recv (and the ACKs back).
 *     ns and segments per second count the data (PUSH) segments.
 * (b) smux frames per second (`benchSmux` of smuxFrames.ts).
 * (c) The full stack on the deterministic simulator (crypt aes + FEC 10/3 +
 *     KCP + snappy + smux, both directions) at 0, 1 and 5% loss: goodput in
 *     MB of application data per second of wall time and per virtual second.
 *     This reuses the test simulator (test/support, compiled to test/dist by
 *     `npm run build`).
 *
 * Medians of `--runs` runs (default 5). Speed is reported, never asserted.
 *
 * Usage: node bench/dist/stream.js [--only=kcp,smux,sim] [--runs=N]
 * Profile: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/stream.js --only=kcp,sim --runs=1
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadKernels, type Kernels } from '@kcptunb/wasm';
import { deriveKey } from '@kcptunb/crypt';
import { applyMode, DEFAULT_KCP_CONFIG, Kcp, type KcpConfig } from '@kcptunb/kcp';
import { Snmp } from '@kcptunb/snmp';
import { markdownTable, measure, type BenchRow } from './harness.js';
import { benchSmux } from './smuxFrames.js';

const MiB = 1 << 20;
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (part: string) => !only || only.includes(part);
const runs = Math.max(1, Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- (a) KCP back to back --------------------------------------------------

const KCP_BYTES = 64 * MiB;
const KCP_WINDOWS = [1024, 4096];

/** Datagrams in flight between two Kcp: copied into reused buffers (a socket's copy without allocation). */
class DatagramQueue {
  private readonly buffers: Uint8Array[] = [];
  private readonly lengths: number[] = [];
  count = 0;
  constructor(private readonly mtu: number) {}
  readonly push = (bytes: Uint8Array): void => {
    if (this.count === this.buffers.length) this.buffers.push(new Uint8Array(this.mtu));
    this.buffers[this.count]!.set(bytes);
    this.lengths[this.count++] = bytes.length;
  };
  /** Hand every queued datagram to `into`, then empty the queue. */
  deliver(into: Kcp, now: number): void {
    for (let i = 0; i < this.count; i++) into.input(this.buffers[i]!.subarray(0, this.lengths[i]), true, now);
    this.count = 0;
  }
}

/**
 * One 64 MiB transfer between two fresh Kcp; returns the data segments sent.
 * Datagrams are delivered after the flush that produced them (a Kcp must not
 * be re-entered from its own output callback).
 */
function kcpTransfer(config: KcpConfig, chunk: Uint8Array, out: Uint8Array, toReceiver: DatagramQueue, toSender: DatagramQueue): number {
  let now = 0;
  const snmp = new Snmp();
  const sender = new Kcp(1, config, toReceiver.push, snmp);
  const receiver = new Kcp(1, config, toSender.push);
  let sent = 0;
  let received = 0;
  while (received < KCP_BYTES) {
    while (sent < KCP_BYTES && sender.canSend) {
      const n = Math.min(chunk.length, KCP_BYTES - sent);
      sender.send(chunk.subarray(0, n));
      sent += n;
    }
    now++;
    sender.flush(now);
    toReceiver.deliver(receiver, now);
    for (let n = receiver.recv(out); n > 0; n = receiver.recv(out)) received += n;
    receiver.flush(now); // the ACKs
    // una advancing makes the sender flush at once (docs/protocol.md §3.3), queueing more for the receiver
    toSender.deliver(sender, now);
    if (now > 1_000_000) throw new Error('kcp bench: transfer stalled');
  }
  if (snmp.get('RetransSegs') !== 0) throw new Error('kcp bench: retransmissions on a perfect link');
  return snmp.get('OutSegs');
}

function benchKcp(): BenchRow[] {
  const rows: BenchRow[] = [];
  const chunk = new Uint8Array(64 * 1024).map((_, i) => (i * 2654435761) >>> 24);
  const out = new Uint8Array(256 * 1024);
  for (const window of KCP_WINDOWS) {
    const config: KcpConfig = applyMode({ ...DEFAULT_KCP_CONFIG, reserved: 28, sndWnd: window, rcvWnd: window }, 'fast3');
    const mss = config.mtu - 24 - config.reserved;
    // stream mode packs segments to mss, except where a flush catches the last one part-filled
    const toReceiver = new DatagramQueue(config.mtu);
    const toSender = new DatagramQueue(config.mtu);
    const segments = kcpTransfer(config, chunk, out, toReceiver, toSender);
    if (segments < Math.ceil(KCP_BYTES / mss)) throw new Error(`kcp bench: only ${segments} segments`);
    rows.push(
      measure(
        `KCP flush/input back to back, mss ${mss}, window ${window}, 64 MiB`,
        () => {
          if (kcpTransfer(config, chunk, out, toReceiver, toSender) !== segments) throw new Error('kcp bench: segment count changed between runs');
        },
        segments,
        KCP_BYTES,
        { runs, runMs: 1, unit: 'segment' },
      ),
    );
  }
  return rows;
}

// ---- (c) full stack on the simulator ------------------------------------------

/** The parts of test/support this bench drives (compiled JS, typed here). */
interface SimEndpointLike {
  input(datagram: Uint8Array, now: number): void;
  tick(now: number): void;
  nextWakeAt(now: number): number;
}
interface TunnelEndLike extends SimEndpointLike {
  readonly apps: ReadonlyMap<number, unknown>;
  readonly transferComplete: boolean;
  readonly smuxEnd: unknown;
  dispose(): void;
}
interface LinkLike {
  nextArrival(): number;
  receive(now: number): Uint8Array | undefined;
  send(datagram: Uint8Array, now: number): void;
}
interface Simulator {
  TunnelEnd: new (opts: Record<string, unknown>) => TunnelEndLike;
  simSettings(spec: { crypt: string; key: Uint8Array; compress: boolean }): unknown;
  LossyLink: new (profile: Record<string, number>, rng: unknown) => LinkLike;
  Rng: new (seed: number) => unknown;
  runSimulation(a: SimEndpointLike, b: SimEndpointLike, ab: LinkLike, ba: LinkLike, opts: { done: () => boolean; maxVirtualMs: number; maxSteps?: number }): { virtualMs: number; steps: number; finished: boolean };
}

async function loadSimulator(): Promise<Simulator> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'dist', 'support');
  const file = (name: string) => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new Error(`${path} missing: build the tests first (npm run build, or npx tsc -b test)`);
    return pathToFileURL(path).href;
  };
  const [stack, link, random, simulation] = await Promise.all([
    import(file('tunnelEnd.js')),
    import(file('lossyLink.js')),
    import(file('random.js')),
    import(file('simulation.js')),
  ]);
  return { TunnelEnd: stack.TunnelEnd, simSettings: stack.simSettings, LossyLink: link.LossyLink, Rng: random.Rng, runSimulation: simulation.runSimulation } as Simulator;
}

const SIM_STREAMS = 32;
const SIM_BYTES_PER_STREAM = MiB;
const SIM_LOSSES = [0, 0.01, 0.05];

interface GoodputRow {
  loss: number;
  wallMBps: number;
  virtualMBps: number;
  wallMs: number;
  virtualMs: number;
}

function simulateOnce(sim: Simulator, kernels: Kernels, key: Uint8Array, loss: number, seed: number): { wallMs: number; virtualMs: number } {
  const rng = new sim.Rng(seed);
  const profile = { loss, delayMs: 20 };
  const c2s = new sim.LossyLink(profile, rng);
  const s2c = new sim.LossyLink(profile, rng);
  const settings = sim.simSettings({ crypt: 'aes', key, compress: true });
  const common = { kernels, conv: 7, settings, smux: {} };
  const app = (s: number) => ({ bytesPerStream: SIM_BYTES_PER_STREAM, compressible: 0, seed: s });
  const client = new sim.TunnelEnd({ ...common, role: 'client', link: c2s, streamsToOpen: SIM_STREAMS, app: app(seed + 1) });
  const server = new sim.TunnelEnd({ ...common, role: 'server', link: s2c, app: app(seed + 2) });
  const t0 = performance.now();
  const r = sim.runSimulation(client, server, c2s, s2c, {
    done: () => isComplete(client, server) || client.smuxEnd !== undefined || server.smuxEnd !== undefined,
    maxVirtualMs: 600_000,
  });
  const wallMs = performance.now() - t0;
  if (!r.finished || client.smuxEnd !== undefined || server.smuxEnd !== undefined) throw new Error(`simulator bench at ${loss * 100}% loss did not finish`);
  client.dispose();
  server.dispose();
  return { wallMs, virtualMs: r.virtualMs };
}

/** The server has accepted every stream and both ends have written and received every byte. */
function isComplete(client: TunnelEndLike, server: TunnelEndLike): boolean {
  return server.apps.size === SIM_STREAMS && client.transferComplete && server.transferComplete;
}

async function benchSimulator(): Promise<GoodputRow[]> {
  const sim = await loadSimulator();
  const kernels = loadKernels();
  const pass = deriveKey('bench');
  const appBytes = 2 * SIM_STREAMS * SIM_BYTES_PER_STREAM;
  simulateOnce(sim, kernels, pass, 0.01, 99); // warm-up
  const rows: GoodputRow[] = [];
  for (const loss of SIM_LOSSES) {
    const wall: number[] = [];
    const virtual: number[] = [];
    for (let r = 0; r < runs; r++) {
      const one = simulateOnce(sim, kernels, pass, loss, 1000 + r);
      wall.push(one.wallMs);
      virtual.push(one.virtualMs);
    }
    const wallMs = median(wall);
    const virtualMs = median(virtual);
    rows.push({ loss, wallMs, virtualMs, wallMBps: appBytes / 1e6 / (wallMs / 1000), virtualMBps: appBytes / 1e6 / (virtualMs / 1000) });
  }
  return rows;
}

function goodputTable(rows: GoodputRow[]): string {
  const lines = ['| loss | wall s | virtual s | MB/s (wall) | MB/s (virtual) |', '|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${(r.loss * 100).toFixed(0)}% | ${(r.wallMs / 1000).toFixed(2)} | ${(r.virtualMs / 1000).toFixed(2)} | ${r.wallMBps.toFixed(1)} | ${r.virtualMBps.toFixed(1)} |`);
  }
  return lines.join('\n');
}

// ---- main ---------------------------------------------------------------------

let out = `# Stream-layer benchmarks\n\nnode ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}; medians of ${runs} runs.\n`;
if (want('kcp')) {
  const rows = benchKcp();
  out += `\n## (a) KCP, no loss, CPU-bound (two Kcp back to back, fast3)\n\n${markdownTable(rows)}\n\n`;
  out += 'Per data segment: sender send + flush, receiver input + recv, ACKs back and their input.\n\n';
  out += rows.map((r) => `- ${r.name}: ${(1e9 / r.nsPerOp / 1e3).toFixed(0)} k segments/s`).join('\n') + '\n';
}
if (want('smux')) {
  const rows = benchSmux();
  out += `\n## (b) smux frames\n\n${markdownTable(rows)}\n\n`;
  out += rows.map((r) => `- ${r.name}: ${(1e9 / r.nsPerOp / 1e3).toFixed(0)} k frames/s`).join('\n') + '\n';
}
if (want('sim')) {
  const rows = await benchSimulator();
  out += `\n## (c) Full stack on the simulator: aes + FEC 10/3 + KCP (fast, wnd 1024) + snappy + smux\n\n`;
  out += `${SIM_STREAMS} streams × ${SIM_BYTES_PER_STREAM / MiB} MiB each way (random bytes), 20 ms one-way delay; goodput = application bytes both ways.\n\n`;
  out += `${goodputTable(rows)}\n`;
}
console.log(out);
