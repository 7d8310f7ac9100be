/**
 * The bench's TCP target on 127.0.0.1: "U" + u64 n → read n bytes, answer "K";
 * "D" + u64 n → send n bytes; "P" → echo. Bytes moved are counted for the
 * measurement watchdog (measure.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

/** 1 MiB of random bytes, sent in rotating 64 KiB slices: snappy finds nothing to compress. */
const PATTERN = randomBytes(1 << 20);
const CHUNK = 64 * 1024;

/** Bytes moved by the target and by the client side: the watchdog's sign of life. */
export const counters = { targetIn: 0, targetOut: 0, clientIn: 0, clientOut: 0 };
export const progress = () => counters.targetIn + counters.targetOut + counters.clientIn + counters.clientOut;

/** Write `n` pattern bytes to `s`, respecting back-pressure; resolves when all are handed to the socket. */
export function pump(s: Socket, n: number, count: (k: number) => void): Promise<void> {
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
