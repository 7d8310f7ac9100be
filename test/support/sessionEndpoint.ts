/**
 * A simulation endpoint around a KcpSession (crypt + FEC + KCP): like
 * KcpEndpoint, but what crosses the simulated link are real sealed datagrams.
 * Arrivals at one virtual instant are decrypted as one batch, as a worker
 * would after draining its socket.
 */
import { createHash, type Hash } from 'node:crypto';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { KcpSession, type KcpSessionOptions } from '@kcptunb/session';
import type { LossyLink } from './lossyLink.js';
import { Rng } from './random.js';
import type { SimEndpoint } from './simulation.js';

export interface SessionEndpointOptions {
  session: Omit<KcpSessionOptions, 'onDatagrams'>;
  link: LossyLink;
  sendBytes: number;
  seed: number;
  chunk?: number;
}

export class SessionEndpoint implements SimEndpoint {
  readonly session: KcpSession;
  sent = 0;
  received = 0;
  private readonly sendHash: Hash = createHash('sha256');
  private readonly recvHash: Hash = createHash('sha256');
  private readonly rng: Rng;
  private readonly chunk: Uint8Array;
  private readonly readBuf = new Uint8Array(256 * 1024);
  private readonly arrivals: DatagramBatch;
  private now = 0;

  constructor(kernels: Kernels, private readonly opts: SessionEndpointOptions) {
    this.session = new KcpSession(kernels, {
      ...opts.session,
      onDatagrams: (batch) => {
        for (let i = 0; i < batch.count; i++) opts.link.send(batch.view(i), this.now);
      },
    });
    this.rng = new Rng(opts.seed);
    this.chunk = new Uint8Array(opts.chunk ?? 16 * 1024);
    this.arrivals = new DatagramBatch(kernels, 256);
  }

  input(datagram: Uint8Array, now: number): void {
    if (this.arrivals.count === this.arrivals.capacity) this.drainArrivals(now);
    this.arrivals.push(datagram);
  }

  tick(now: number): void {
    this.now = now;
    this.drainArrivals(now);
    this.session.update(now);
    this.pump(now);
  }

  nextWakeAt(now: number): number {
    return now + this.session.msUntilFlush(now);
  }

  private drainArrivals(now: number): void {
    this.now = now;
    if (this.arrivals.count === 0) return;
    this.session.input(this.arrivals, now);
    this.arrivals.clear();
  }

  private pump(now: number): void {
    while (this.sent < this.opts.sendBytes && this.session.canWrite) {
      const n = Math.min(this.chunk.length, this.opts.sendBytes - this.sent);
      const data = this.rng.fill(this.chunk.subarray(0, n));
      this.sendHash.update(data);
      this.session.write(data, now);
      this.sent += n;
    }
    for (let n = this.session.read(this.readBuf); n > 0; n = this.session.read(this.readBuf)) {
      this.recvHash.update(this.readBuf.subarray(0, n));
      this.received += n;
    }
  }

  sentDigest(): string {
    return this.sendHash.copy().digest('hex');
  }

  receivedDigest(): string {
    return this.recvHash.copy().digest('hex');
  }
}
