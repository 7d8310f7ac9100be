/**
 * A simulation endpoint around one bare Kcp: it streams `sendBytes` of seeded
 * pseudo-random data (respecting KCP's send window, flushing after every write
 * as kcptun does), reads everything that arrives, and hashes both directions.
 */
import { createHash, type Hash } from 'node:crypto';
import { Kcp, timediff, type KcpConfig } from '@kcptunb/kcp';
import type { LossyLink } from './lossyLink.js';
import { Rng } from './random.js';
import type { SimEndpoint } from './simulation.js';

export interface KcpEndpointOptions {
  conv: number;
  config: KcpConfig;
  /** The link this endpoint transmits on. */
  link: LossyLink;
  sendBytes: number;
  seed: number;
  /** Application write size. */
  chunk?: number;
  /** The application does not read before this virtual time. */
  readPausedUntil?: number;
  /** Called after every flush-producing event with the KCP, for invariant checks. */
  check?: (kcp: Kcp) => void;
}

export class KcpEndpoint implements SimEndpoint {
  readonly kcp: Kcp;
  sent = 0;
  received = 0;
  private readonly sendHash: Hash = createHash('sha256');
  private readonly recvHash: Hash = createHash('sha256');
  private readonly rng: Rng;
  private readonly chunk: Uint8Array;
  private readonly readBuf = new Uint8Array(256 * 1024);
  private now = 0;

  constructor(private readonly opts: KcpEndpointOptions) {
    this.kcp = new Kcp(opts.conv, opts.config, (bytes) => opts.link.send(bytes, this.now));
    this.rng = new Rng(opts.seed);
    this.chunk = new Uint8Array(opts.chunk ?? 16 * 1024);
  }

  input(datagram: Uint8Array, now: number): void {
    this.now = now;
    this.kcp.input(datagram, true, now);
    this.pump(now);
  }

  tick(now: number): void {
    this.now = now;
    this.kcp.update(now);
    this.pump(now);
  }

  nextWakeAt(now: number): number {
    const flushIn = Math.max(0, timediff(this.kcp.nextFlushAt, now >>> 0));
    let wake = now + flushIn;
    if (this.opts.readPausedUntil !== undefined && now < this.opts.readPausedUntil) wake = Math.min(wake, this.opts.readPausedUntil);
    return wake;
  }

  private pump(now: number): void {
    let wrote = false;
    while (this.sent < this.opts.sendBytes && this.kcp.canSend) {
      const n = Math.min(this.chunk.length, this.opts.sendBytes - this.sent);
      const data = this.rng.fill(this.chunk.subarray(0, n));
      this.sendHash.update(data);
      this.kcp.send(data);
      this.sent += n;
      wrote = true;
    }
    if (wrote) this.kcp.flush(now);
    if (this.opts.readPausedUntil === undefined || now >= this.opts.readPausedUntil) {
      for (let n = this.kcp.recv(this.readBuf); n > 0; n = this.kcp.recv(this.readBuf)) {
        this.recvHash.update(this.readBuf.subarray(0, n));
        this.received += n;
      }
    }
    this.opts.check?.(this.kcp);
  }

  sentDigest(): string {
    return this.sendHash.copy().digest('hex');
  }

  receivedDigest(): string {
    return this.recvHash.copy().digest('hex');
  }
}
