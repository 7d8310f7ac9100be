/**
 * An echo connection driven in rounds: each round writes a chunk of seeded bytes and waits for
 * its echo. Between rounds the caller observes the tunnel (scrapes, page reads) while the
 * connection — and so its smux stream — stays open, whatever the link's speed.
 */
import { connect, type Socket } from 'node:net';
import { Rng } from '@kcptunb/testkit';

export class EchoRounds {
  private received = 0;
  private sent = 0;
  private waiter: (() => void) | undefined;
  private readonly rng: Rng;

  private constructor(private readonly socket: Socket, seed: number) {
    this.rng = new Rng(seed);
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.received >= this.sent) this.waiter?.();
    });
  }

  static open(port: number, seed = 1): Promise<EchoRounds> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        s.off('error', reject);
        s.on('error', () => {});
        resolve(new EchoRounds(s, seed));
      });
      s.once('error', reject);
    });
  }

  /** Echo `bytes` (incompressible) and wait for all of it, at most `timeoutMs`. */
  round(bytes: number, timeoutMs = 10_000): Promise<void> {
    this.sent += bytes;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`echo round: ${this.received} of ${this.sent} bytes back after ${timeoutMs} ms`)), timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      this.socket.write(this.rng.fill(new Uint8Array(bytes)));
    });
  }

  get bytesEchoed(): number {
    return this.received;
  }

  close(): void {
    this.socket.destroy();
  }
}
