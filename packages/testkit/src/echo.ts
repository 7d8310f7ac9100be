/**
 * A TCP echo target and transfers through a tunnel to it: seeded pseudo-random
 * bytes out, the same bytes back, verified by SHA-256 and bounded in time.
 */
import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Rng } from './random.js';

/** What an echo target saw: connections that carried data, and the bytes it echoed. */
export interface EchoStats {
  dataConnections: number;
  bytes: number;
}

/** A TCP echo server on 127.0.0.1 (a tunnel's target) that counts what it echoes. */
export async function startEchoServer(): Promise<{ server: Server; stats: EchoStats }> {
  const stats: EchoStats = { dataConnections: 0, bytes: 0 };
  const server = createServer((s) => {
    s.on('error', () => {});
    let counted = false;
    s.on('data', (d: Buffer) => {
      if (!counted) stats.dataConnections++;
      counted = true;
      stats.bytes += d.length;
    });
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, stats };
}

export interface EchoResult {
  bytes: number;
  ms: number;
  /** The payload's seed: the same seed sends the same bytes. */
  seed: number;
}

let nextSeed = 1;

/**
 * Send `bytes` of seeded pseudo-random data through the tunnel on 127.0.0.1:port to an
 * echo target and verify, by SHA-256, that exactly the same bytes come back.
 * Errors name the seed.
 */
export function echoTransfer(port: number, bytes: number, timeoutMs: number, opts: { chunk?: number; seed?: number; onData?: (received: number) => void } = {}): Promise<EchoResult> {
  const seed = opts.seed ?? nextSeed++;
  const rng = new Rng(seed);
  const tag = `echo of ${bytes} bytes (seed ${seed})`;
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let received = 0;
    let written = 0;
    const chunk = opts.chunk ?? 256 * 1024;
    const sock: Socket = connect(port, '127.0.0.1');
    const fail = (e: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`${tag} timed out after ${timeoutMs} ms (received ${received})`)), timeoutMs);
    const writeMore = () => {
      while (written < bytes) {
        const n = Math.min(chunk, bytes - written);
        const data = rng.fill(Buffer.allocUnsafe(n));
        sent.update(data);
        written += n;
        if (!sock.write(data)) return;
      }
    };
    sock.on('connect', writeMore);
    sock.on('drain', writeMore);
    sock.on('data', (d: Buffer) => {
      got.update(d);
      received += d.length;
      opts.onData?.(received);
      if (received > bytes) fail(new Error(`${tag}: received ${received} > sent ${bytes}`));
      else if (received === bytes) {
        clearTimeout(timer);
        sock.end();
        if (sent.digest('hex') !== got.digest('hex')) reject(new Error(`${tag}: SHA-256 mismatch`));
        else resolve({ bytes, ms: Date.now() - t0, seed });
      }
    });
    sock.on('error', fail);
    sock.on('close', () => {
      if (received < bytes) fail(new Error(`${tag}: connection closed after ${received} bytes`));
    });
  });
}

/** `n` concurrent echo transfers of `bytes` each. */
export function concurrentEchoes(port: number, n: number, bytes: number, timeoutMs: number): Promise<EchoResult[]> {
  return Promise.all(Array.from({ length: n }, () => echoTransfer(port, bytes, timeoutMs, { chunk: 16 * 1024 })));
}

/** Write `data` on an open socket through an echo target and wait until the same bytes come back. */
export function echoOn(sock: Socket, data: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => reject(new Error(`no echo within ${timeoutMs} ms (got ${got} of ${data.length} bytes)`)), timeoutMs);
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got < data.length) return;
      clearTimeout(timer);
      sock.off('data', onData);
      if (Buffer.concat(parts).equals(data)) resolve();
      else reject(new Error('echo mismatch'));
    };
    sock.on('data', onData);
    sock.write(data);
  });
}
