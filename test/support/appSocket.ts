/**
 * A model application behind one TCP connection of a simulated tunnel end, seen through the
 * `ByteSocket` port that the production StreamRelay drives. It writes `bytesPerStream` seeded
 * bytes (pausing when the relay pauses it, as a paused net.Socket stops reading), reads what the
 * relay writes at an optional rate (with a socket buffer that reports congestion, as
 * `socket.write() === false` does), hashes both directions with SHA-256, and optionally ends its
 * side once everything was written and received. No timers: the simulated end calls `tick(now)`.
 */
import { createCipheriv, createHash, type Cipher, type Hash } from 'node:crypto';
import type { ByteSocket, StreamRelay } from '@kcptunb/control';
import { Rng } from './random.js';

/** A throttled reader comes back this often (ms). */
export const READ_PERIOD_MS = 10;

export interface AppOptions {
  /** Bytes this application writes. */
  bytesPerStream: number;
  /** Bytes it expects from the peer (default: bytesPerStream). */
  expectBytes?: number;
  seed: number;
  /** Writes are 1..maxWrite bytes (default 48 KiB). */
  maxWrite?: number;
  /** Fraction of writes filled with highly compressible bytes (default 0.25). */
  compressible?: number;
  /** Read rate in bytes per ms (default: unthrottled). */
  readBytesPerMs?: number;
  /** Bytes the socket buffers towards the application before `write` says congested (default 64 KiB). */
  socketBuffer?: number;
  /** End this side (FIN) once everything was written and received. */
  closeWhenDone?: boolean;
}

export class AppSocket implements ByteSocket {
  relay: StreamRelay | undefined;
  written = 0;
  received = 0;
  /** The relay ended the connection (the peer's FIN, or the tunnel closed it). */
  endedByTunnel = false;
  /** This application ended its side. */
  closedByUs = false;
  /** Times the relay paused this application's writes. */
  pauses = 0;
  /** Virtual time of the last byte this application wrote (stall detection). */
  lastWriteAt = 0;
  /** Longest time between two writes while the application still had bytes to write. */
  longestWriteGap = 0;
  private paused = false;
  private congested = false;
  private buffered = 0;
  private readonly inbound: Uint8Array[] = [];
  private readonly sent: Hash = createHash('sha256');
  private readonly got: Hash = createHash('sha256');
  private readonly rng: Rng;
  private readonly keystream: Cipher;
  private readAllowance = 0;
  private lastReadAt: number;

  constructor(private readonly o: AppOptions, now: number) {
    this.rng = new Rng(o.seed);
    const key = Buffer.alloc(16);
    key.writeUInt32LE(o.seed >>> 0, 0);
    // AES-CTR keystream: seeded payload bytes at memcpy-like speed
    this.keystream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    this.lastReadAt = now;
    this.lastWriteAt = now;
  }

  // ---- ByteSocket: what the relay does to this socket ----------------------------------------

  write(data: Uint8Array): boolean {
    if (this.o.readBytesPerMs === undefined) {
      this.consume(data);
      return true;
    }
    this.inbound.push(data.slice());
    this.buffered += data.length;
    this.congested = this.buffered >= (this.o.socketBuffer ?? 64 * 1024);
    return !this.congested;
  }

  pause(): void {
    if (!this.paused) this.pauses++;
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  end(): void {
    this.endedByTunnel = true;
  }

  // ---- the application -------------------------------------------------------------------------

  /** Read what is due, write while not paused; true if anything moved. */
  tick(now: number): boolean {
    return this.read(now) || this.writeMore(now) || this.maybeEnd();
  }

  /** When this application next wants `tick` (Infinity: only when the tunnel acts). */
  nextWakeAt(now: number): number {
    if (this.buffered > 0) return now + READ_PERIOD_MS;
    if (!this.paused && this.written < this.o.bytesPerStream && !this.endedByTunnel) return now;
    return Infinity;
  }

  get done(): boolean {
    return this.written >= this.o.bytesPerStream && this.received >= (this.o.expectBytes ?? this.o.bytesPerStream);
  }

  sentDigest(): string {
    return this.sent.copy().digest('hex');
  }

  receivedDigest(): string {
    return this.got.copy().digest('hex');
  }

  private read(now: number): boolean {
    if (this.buffered === 0) return false;
    const rate = this.o.readBytesPerMs!;
    this.readAllowance = Math.min(this.readAllowance + (now - this.lastReadAt) * rate, READ_PERIOD_MS * 4 * rate);
    this.lastReadAt = now;
    let moved = false;
    while (this.inbound.length > 0 && this.readAllowance >= 1) {
      const head = this.inbound[0]!;
      const n = Math.min(head.length, Math.floor(this.readAllowance));
      this.consume(head.subarray(0, n));
      this.buffered -= n;
      this.readAllowance -= n;
      if (n === head.length) this.inbound.shift();
      else this.inbound[0] = head.subarray(n);
      moved = true;
    }
    if (this.congested && this.buffered < (this.o.socketBuffer ?? 64 * 1024)) {
      this.congested = false;
      this.relay?.socketDrained(); // the 'drain' event
    }
    return moved;
  }

  private consume(data: Uint8Array): void {
    this.got.update(data);
    this.received += data.length;
  }

  private writeMore(now: number): boolean {
    const want = this.o.bytesPerStream;
    if (!this.relay || this.paused || this.written >= want || this.endedByTunnel) return false;
    this.longestWriteGap = Math.max(this.longestWriteGap, now - this.lastWriteAt);
    while (!this.paused && this.written < want && !this.relay.finished) {
      const n = Math.min(1 + this.rng.int(this.o.maxWrite ?? 48 * 1024), want - this.written);
      const data = this.payload(n);
      this.sent.update(data);
      this.written += n;
      this.relay.fromSocket(data); // may pause us
    }
    this.lastWriteAt = now;
    return true;
  }

  private maybeEnd(): boolean {
    if (!this.o.closeWhenDone || this.closedByUs || !this.done || !this.relay) return false;
    this.closedByUs = true;
    this.relay.socketEnded(); // the 'end' event: this side sent its FIN
    return true;
  }

  /** `n` fresh seeded bytes: keystream, or a short random motif repeated (compresses ~20×). */
  private payload(n: number): Uint8Array {
    if (this.rng.next() >= (this.o.compressible ?? 0.25)) return this.keystream.update(Buffer.alloc(n));
    const motif = Math.min(n, 64 + this.rng.int(192));
    const out = Buffer.allocUnsafe(n);
    this.keystream.update(Buffer.alloc(motif)).copy(out, 0);
    for (let filled = motif; filled < n; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, n - filled));
    return out;
  }
}
