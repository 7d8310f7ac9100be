/**
 * Building blocks of the tunnel bench (`npm run bench`, driver in tunnel.ts):
 * tunnel processes (ours and Debian kcptun) with CPU and peak-RSS readings from
 * /proc, a local TCP target that sinks, sources or echoes, and the client-side
 * measurements (upload, download, ping-pong). Every wait is bounded: a transfer
 * that stops making progress, overruns its deadline, or whose tunnel process
 * dies is rejected with a message that says which — never a hang.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Impl = 'ours' | 'kcptun';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Our CLI entry point, from bench/dist. */
export const OURS_BIN = join(HERE, '..', '..', 'packages', 'control', 'bin', 'kcptunb.js');

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// processes

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Kill every child still running (SIGKILL); used by the driver's signal handlers. */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

export class Proc {
  readonly child: ChildProcess;
  private out = '';
  private readonly exited: Promise<void>;
  private lastCpu = 0;
  private lastHwmKiB = 0;

  constructor(readonly label: string, cmd: string, readonly args: string[]) {
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    const keep = (d: Buffer) => {
      this.out += d.toString();
      if (this.out.length > 64 * 1024) this.out = this.out.slice(-32 * 1024);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', () => live.delete(this.child));
    this.child.once('error', (e) => (this.out += `\n[spawn error] ${e.message}\n`));
  }

  get commandLine(): string {
    return [this.child.spawnfile, ...this.args].join(' ');
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get exitDescription(): string {
    return this.child.signalCode ? `killed by ${this.child.signalCode}` : `exit code ${this.child.exitCode}`;
  }

  /** The last `lines` lines the process printed. */
  tail(lines = 12): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** utime + stime in seconds (the whole process: every thread). Last reading if the process is gone. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // after "pid (comm) ": f[0] is field 3 (state); utime = field 14, stime = field 15
      this.lastCpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {
      // exited: keep the last reading
    }
    return this.lastCpu;
  }

  /** Peak resident set (VmHWM) in KiB. Last reading if the process is gone. */
  peakRssKiB(): number {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      if (m) this.lastHwmKiB = Number(m[1]);
    } catch {
      // exited
    }
    return this.lastHwmKiB;
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves when the process is gone (bounded). */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (killed && this.alive) {
      this.out += `\n[bench] no exit ${graceMs} ms after SIGTERM: SIGKILL\n`;
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, sleep(2000)]);
    }
  }
}

export interface TunnelSpec {
  impl: Impl;
  /** Flags given to both ends, after -l/-r/-t (e.g. --mode fast3 --sndwnd 1024 --rcvwnd 1024). */
  flags: string[];
  key: string;
  targetPort: number;
}

export class Tunnel {
  private constructor(readonly spec: TunnelSpec, readonly server: Proc, readonly client: Proc, readonly port: number, readonly udpPort: number) {}

  /** Start server, then client; resolve once the client's TCP port accepts (bounded by `timeoutMs`). */
  static async start(spec: TunnelSpec, timeoutMs = 15000): Promise<Tunnel> {
    const udpPort = await freeUdpPort();
    const port = await freeTcpPort();
    const common = ['--key', spec.key, '--quiet', ...spec.flags];
    const serverArgs = ['-l', `127.0.0.1:${udpPort}`, '-t', `127.0.0.1:${spec.targetPort}`, ...common];
    const clientArgs = ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udpPort}`, ...common];
    const server = spec.impl === 'ours' ? new Proc('ours server', process.execPath, [OURS_BIN, 'server', ...serverArgs]) : new Proc('kcptun-server', 'kcptun-server', serverArgs);
    const client = spec.impl === 'ours' ? new Proc('ours client', process.execPath, [OURS_BIN, 'client', ...clientArgs]) : new Proc('kcptun-client', 'kcptun-client', clientArgs);
    const t = new Tunnel(spec, server, client, port, udpPort);
    try {
      const deadline = Date.now() + timeoutMs;
      // the server should be up before the client dials; both print "listening on:"
      while (!/listening on/.test(server.tail(200))) {
        t.assertAlive('start-up');
        if (Date.now() > deadline) throw new Error(`${server.label} did not print "listening on" within ${timeoutMs} ms`);
        await sleep(20);
      }
      while (!(await canConnect(port))) {
        t.assertAlive('start-up');
        if (Date.now() > deadline) throw new Error(`${client.label} did not accept on 127.0.0.1:${port} within ${timeoutMs} ms`);
        await sleep(50);
      }
      return t;
    } catch (e) {
      await t.stop();
      throw e;
    }
  }

  /** Throws if either process has exited. */
  assertAlive(stage: string): void {
    for (const p of [this.server, this.client]) {
      if (!p.alive) {
        // the bench signals tunnel processes only when it stops them, never during a measurement
        const signalled = p.child.signalCode !== null || /SIG(TERM|INT): shutting down/.test(p.tail(5));
        const why = signalled ? ' — a signal the bench did not send: something else on the machine killed it' : '';
        throw new Error(`${p.label} died during ${stage} (${p.exitDescription})${why}; last output:\n${p.tail()}`);
      }
    }
  }

  cpu(): { client: number; server: number } {
    return { client: this.client.cpuSeconds(), server: this.server.cpuSeconds() };
  }

  peakRss(): { clientKiB: number; serverKiB: number } {
    return { clientKiB: this.client.peakRssKiB(), serverKiB: this.server.peakRssKiB() };
  }

  async stop(): Promise<void> {
    this.cpu();
    this.peakRss();
    await Promise.all([this.client.stop(), this.server.stop()]);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => done(false), 1000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// the target: "U" + u64 n → read n bytes, answer "K"; "D" + u64 n → send n bytes; "P" → echo

/** 1 MiB of random bytes, sent in rotating 64 KiB slices: snappy finds nothing to compress. */
const PATTERN = randomBytes(1 << 20);
const CHUNK = 64 * 1024;

/** Bytes moved by the target and by the client side: the watchdog's sign of life. */
export const counters = { targetIn: 0, targetOut: 0, clientIn: 0, clientOut: 0 };
const progress = () => counters.targetIn + counters.targetOut + counters.clientIn + counters.clientOut;

/** Write `n` pattern bytes to `s`, respecting back-pressure; resolves when all are handed to the socket. */
function pump(s: Socket, n: number, count: (k: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    let off = 0;
    const go = () => {
      while (left > 0 && !s.destroyed) {
        const len = Math.min(CHUNK, left, PATTERN.length - off);
        const ok = s.write(PATTERN.subarray(off, off + len));
        count(len);
        left -= len;
        off = (off + len) % PATTERN.length;
        if (!ok) {
          s.once('drain', go);
          return;
        }
      }
      resolve();
    };
    go();
  });
}

export class Target {
  private constructor(private readonly server: Server, readonly port: number, private readonly sockets: Set<Socket>) {}

  static async start(): Promise<Target> {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {});
      s.setNoDelay(true);
      let header = Buffer.alloc(0);
      const onHeader = (d: Buffer) => {
        header = Buffer.concat([header, d]);
        const op = String.fromCharCode(header[0]!);
        if (op === 'P') {
          s.off('data', onHeader);
          const rest = header.subarray(1);
          s.on('data', (x: Buffer) => {
            counters.targetIn += x.length;
            counters.targetOut += x.length;
            s.write(x);
          });
          if (rest.length) s.emit('data', rest);
          return;
        }
        if (header.length < 9) return;
        s.off('data', onHeader);
        const n = Number(header.readBigUInt64BE(1));
        const rest = header.subarray(9);
        if (op === 'U') {
          let got = 0;
          const onData = (x: Buffer) => {
            got += x.length;
            counters.targetIn += x.length;
            if (got >= n) {
              s.off('data', onData);
              s.write('K');
            }
          };
          s.on('data', onData);
          if (rest.length) onData(rest);
        } else if (op === 'D') {
          void pump(s, n, (k) => (counters.targetOut += k));
        } else {
          s.destroy();
        }
      };
      s.on('data', onHeader);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Target(server, (server.address() as { port: number }).port, sockets);
  }

  /** Drop every connection (between tests, so a failed one does not bleed into the next). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// measurements through the tunnel

export interface Limits {
  /** Reject if no byte moved anywhere for this long. */
  stallMs: number;
  /** Reject if the whole operation takes longer than this. */
  deadlineMs: number;
  /**
   * Transfers only: reject once the payload rate over the last `rateWindowMs` falls below this
   * (MB/s), checked after the first `rateWindowMs`. A crawling tunnel fails in seconds, not at the deadline.
   */
  minRateMBps?: number;
  rateWindowMs?: number;
}

/** How far a transfer got: payload bytes that reached the far end, out of `total`. */
interface Progress {
  arrived(): number;
  total: number;
}

/** Sockets opened by the current operation: destroyed when it ends, whatever the outcome. */
class Op {
  readonly sockets = new Set<Socket>();
  open(port: number): Socket {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.on('error', () => {});
    this.sockets.add(s);
    return s;
  }
  end(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/**
 * Run `body` under a watchdog: no progress for `stallMs`, the deadline, a tunnel process dying,
 * or a client socket closing early rejects. Sockets are always destroyed afterwards.
 */
async function guarded<T>(tunnel: Tunnel, what: string, limits: Limits, body: (op: Op, fail: (e: Error) => void) => Promise<T>, progressOf?: Progress | (() => string)): Promise<T> {
  const op = new Op();
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now();
  const prog = typeof progressOf === 'object' ? progressOf : undefined;
  const base = prog?.arrived() ?? 0;
  const moved = (): string => {
    if (typeof progressOf === 'function') return progressOf();
    if (!prog) return '';
    const b = prog.arrived() - base;
    return `${(b / 2 ** 20).toFixed(2)} of ${(prog.total / 2 ** 20).toFixed(0)} MiB arrived, ${(b / Math.max(0.001, (Date.now() - t0) / 1000) / 1e6).toFixed(2)} MB/s on average`;
  };
  const at = () => `after ${((Date.now() - t0) / 1000).toFixed(1)} s${moved() ? `, ${moved()}` : ''}`;
  const window = limits.rateWindowMs ?? 10_000;
  const samples: Array<[number, number]> = []; // (ms, arrived) once per second, last `window` ms
  try {
    return await new Promise<T>((resolve, reject) => {
      let last = progress();
      let lastChange = Date.now();
      timer = setInterval(() => {
        const p = progress();
        if (p !== last) {
          last = p;
          lastChange = Date.now();
        }
        try {
          tunnel.assertAlive(what);
        } catch (e) {
          reject(e as Error);
          return;
        }
        const now = Date.now();
        if (now - lastChange > limits.stallMs) {
          reject(new Error(`${what}: stalled — no byte moved for ${limits.stallMs} ms (${at()})`));
          return;
        }
        if (now - t0 > limits.deadlineMs) {
          reject(new Error(`${what}: deadline of ${limits.deadlineMs} ms exceeded, still moving but too slow (${at()})`));
          return;
        }
        if (prog && limits.minRateMBps) {
          if (samples.length === 0 || now - samples[samples.length - 1]![0] >= 1000) samples.push([now, prog.arrived()]);
          while (samples.length > 1 && now - samples[0]![0] > window) samples.shift();
          const first = samples[0]!;
          if (now - t0 >= window && now - first[0] >= window - 1000) {
            const rate = (prog.arrived() - first[1]) / ((now - first[0]) / 1000) / 1e6;
            if (rate < limits.minRateMBps) reject(new Error(`${what}: too slow — ${rate.toFixed(2)} MB/s over the last ${((now - first[0]) / 1000).toFixed(0)} s, under the ${limits.minRateMBps} MB/s floor (${at()})`));
          }
        }
      }, 100);
      const failWith = (e: Error) => reject(new Error(`${e.message} (${at()})`));
      body(op, failWith).then(resolve, failWith);
    });
  } finally {
    clearInterval(timer);
    op.end();
  }
}

function header(op: 'U' | 'D' | 'P', n: number): Buffer {
  const h = Buffer.alloc(9);
  h.write(op, 0);
  h.writeBigUInt64BE(BigInt(n), 1);
  return h;
}

function whenConnected(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
}

/** A socket closing before the operation is complete is a failure, not a silent wait. */
function failOnEarlyClose(s: Socket, what: string, done: () => boolean, fail: (e: Error) => void): void {
  s.once('close', () => {
    if (!done()) fail(new Error(`${what}: the tunnel closed the connection early`));
  });
}

async function uploadOne(op: Op, port: number, n: number, fail: (e: Error) => void, what: string): Promise<void> {
  const s = op.open(port);
  await whenConnected(s);
  let acked = false;
  failOnEarlyClose(s, what, () => acked, fail);
  const ack = new Promise<void>((resolve) =>
    s.on('data', (d: Buffer) => {
      if (d.includes(0x4b)) {
        acked = true;
        resolve();
      }
    }),
  );
  s.write(header('U', n));
  await pump(s, n, (k) => (counters.clientOut += k));
  await ack;
}

async function downloadOne(op: Op, port: number, n: number, fail: (e: Error) => void, what: string): Promise<void> {
  const s = op.open(port);
  await whenConnected(s);
  let got = 0;
  failOnEarlyClose(s, what, () => got >= n, fail);
  const done = new Promise<void>((resolve) =>
    s.on('data', (d: Buffer) => {
      got += d.length;
      counters.clientIn += d.length;
      if (got >= n) resolve();
    }),
  );
  s.write(header('D', n));
  await done;
}

export interface Transfer {
  direction: 'up' | 'down';
  streams: number;
  bytes: number;
  seconds: number;
  /** Payload MB (10^6 bytes) per second, all streams together. */
  mbPerSec: number;
  cpu: { client: number; server: number };
}

/** `streams` parallel connections, each moving `bytesPerStream` in `direction`; wall time of all. */
export async function transfer(tunnel: Tunnel, direction: 'up' | 'down', streams: number, bytesPerStream: number, limits: Limits): Promise<Transfer> {
  const what = `${direction === 'up' ? 'upload' : 'download'} ${streams}×${(bytesPerStream / 2 ** 20).toFixed(0)} MiB`;
  const cpu0 = tunnel.cpu();
  const t0 = process.hrtime.bigint();
  // what reached the far end: the target for uploads, the client side for downloads
  const progress: Progress = { arrived: () => (direction === 'up' ? counters.targetIn : counters.clientIn), total: streams * bytesPerStream };
  await guarded(
    tunnel,
    what,
    limits,
    async (op, fail) => {
      const one = direction === 'up' ? uploadOne : downloadOne;
      await Promise.all(Array.from({ length: streams }, () => one(op, tunnel.port, bytesPerStream, fail, what)));
    },
    progress,
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = tunnel.cpu();
  const bytes = streams * bytesPerStream;
  return { direction, streams, bytes, seconds, mbPerSec: bytes / seconds / 1e6, cpu: { client: cpu1.client - cpu0.client, server: cpu1.server - cpu0.server } };
}

export interface Ping {
  samples: number;
  /** Whether the time budget ended the run before `count` round trips. */
  truncated: boolean;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** 64-byte ping-pong over one stream: `warmup` round trips discarded, then up to `count` timed (within `budgetMs`). */
export async function pingPong(tunnel: Tunnel, count: number, warmup: number, budgetMs: number, limits: Limits, size = 64): Promise<Ping> {
  const what = `ping-pong ${size} B × ${count}`;
  const rtts: number[] = [];
  let truncated = false;
  let rounds = 0;
  const moved = () => `${rounds} round trips done`;
  await guarded(tunnel, what, limits, async (op, fail) => {
    const s = op.open(tunnel.port);
    await whenConnected(s);
    let finished = false;
    failOnEarlyClose(s, what, () => finished, fail);
    const msg = Buffer.alloc(size, 0x5a);
    s.write('P');
    await new Promise<void>((resolve) => {
      let round = 0;
      let got = 0;
      let t0 = process.hrtime.bigint();
      let tStart = 0;
      s.on('data', (d: Buffer) => {
        got += d.length;
        counters.clientIn += d.length;
        while (got >= size) {
          got -= size;
          const rtt = Number(process.hrtime.bigint() - t0) / 1e6;
          round++;
          rounds = round;
          if (round === warmup) tStart = Date.now();
          if (round > warmup) rtts.push(rtt);
          if (rtts.length >= count || (round > warmup && Date.now() - tStart > budgetMs)) {
            truncated = rtts.length < count;
            finished = true;
            resolve();
            return;
          }
          t0 = process.hrtime.bigint();
          counters.clientOut += size;
          s.write(msg);
        }
      });
      counters.clientOut += size;
      s.write(msg);
      if (warmup === 0) tStart = Date.now();
    });
  }, moved);
  const sorted = [...rtts].sort((a, b) => a - b);
  return {
    samples: rtts.length,
    truncated,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: rtts.reduce((a, b) => a + b, 0) / rtts.length,
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
}

/** 1-, 5- and 15-minute load averages. */
export function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}
