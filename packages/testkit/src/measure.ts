/**
 * Measurements through a tunnel to a `Target`: upload, download, ping-pong. Every
 * operation runs under a watchdog: a transfer that stops making progress, overruns
 * its deadline, crawls under a rate floor, or whose tunnel process dies is rejected
 * with a message that says which — never a hang.
 */
import { connect, type Socket } from 'node:net';
import { counters, progress, pump } from './target.js';
import type { Tunnel } from './tunnel.js';


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
  p999Ms: number;
  meanMs: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The percentiles of `ms` (one sample per round trip or connection). */
function latencies(ms: number[], truncated: boolean): Ping {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    samples: ms.length,
    truncated,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    meanMs: ms.reduce((a, b) => a + b, 0) / ms.length,
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
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
  return latencies(rtts, truncated);
}

/**
 * New connections through a warm tunnel, one after another: from `connect()` on the client's
 * port to the first 64-byte echo (each opens a stream end to end and has the server dial the
 * target), then closed. `warmup` untimed opens first; up to `count` timed within `budgetMs`.
 */
export async function streamOpens(tunnel: Tunnel, count: number, warmup: number, budgetMs: number, limits: Limits, size = 64): Promise<Ping> {
  const what = `stream opens × ${count}`;
  const times: number[] = [];
  let opened = 0;
  let truncated = false;
  await guarded(
    tunnel,
    what,
    limits,
    async (op, fail) => {
      const msg = Buffer.concat([Buffer.from('P'), Buffer.alloc(size, 0x5a)]);
      const tStart = Date.now();
      while (times.length < count) {
        if (times.length > 0 && Date.now() - tStart > budgetMs) {
          truncated = true;
          break;
        }
        const t0 = process.hrtime.bigint();
        const s = op.open(tunnel.port);
        let got = 0;
        let echoed = false;
        failOnEarlyClose(s, what, () => echoed, fail);
        await new Promise<void>((resolve) => {
          s.once('connect', () => {
            counters.clientOut += size;
            s.write(msg);
          });
          s.on('data', (d: Buffer) => {
            got += d.length;
            counters.clientIn += d.length;
            if (got < size || echoed) return;
            echoed = true;
            resolve();
          });
        });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        s.destroy();
        op.sockets.delete(s);
        opened++;
        if (opened > warmup) times.push(ms);
      }
    },
    () => `${opened} connections opened`,
  );
  return latencies(times, truncated);
}
