/**
 * A simulation endpoint running the whole stack of one tunnel end on the
 * virtual clock (spec §0.4):
 *
 *   application streams → smux → snappy writer → KcpSession (KCP → FEC → crypt) → link
 *   link → KcpSession → snappy reader → smux → application streams
 *
 * `compress: false` is kcptun's `--nocomp` (raw smux frames on KCP). The
 * application is driven from here: the client opens `streamsToOpen` streams,
 * the server writes back on every stream it accepts; each side writes
 * `bytesPerStream` seeded bytes per stream (honouring `write() === false` →
 * wait for `stream-writable`), reads everything with `read()` and hashes each
 * direction of each stream with SHA-256. The shell rules are the worker's:
 * smux output enters KCP only while KCP's send window has room, KCP is read
 * only while `smux.wantsInput` (the session receive budget is the
 * back-pressure), and `smux.tick` runs at `smux.nextWakeAt`.
 * No sockets, no timers, no Date.now().
 */
import { createCipheriv, createHash, type Cipher, type Hash } from 'node:crypto';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { KcpSession, type KcpSessionOptions } from '@kcptunb/session';
import { SnappyFrameReader, SnappyFrameWriter } from '@kcptunb/snappy';
import { SmuxSession, type SmuxConfig, type SmuxError, type SmuxRole, type SmuxStream } from '@kcptunb/smux';
import type { LossyLink } from './lossyLink.js';
import { Rng } from './random.js';
import type { SimEndpoint } from './simulation.js';

/** Largest piece of smux output handed to the snappy writer at once (one snappy chunk). */
const MAX_RECORD = 65_536;
/** Bytes read from KCP per step. */
const READ_CHUNK = 65_536;
/** Datagrams decrypted per batch. */
const INBOX = 256;
/** Bound on pump rounds per tick (each round moves data one layer further). */
const MAX_ROUNDS = 256;
/** A throttled application reader comes back this often (ms). */
const READ_PERIOD_MS = 10;

export interface StackEndpointOptions {
  role: SmuxRole;
  session: Omit<KcpSessionOptions, 'onDatagrams'>;
  /** Where this end's datagrams go. */
  link: LossyLink;
  /** false = `--nocomp`: no snappy layer (both ends must agree, spec §5.1). */
  compress: boolean;
  /** smux settings (`enableStreamBuffer: false` = `--streambuf-en=0`, the stock-compatible wire). */
  smux?: Partial<SmuxConfig>;
  /** Virtual time of the smux session's creation (its first NOP). */
  startMs?: number;
  /** Client: streams opened at the first tick. */
  streamsToOpen?: number;
  /** Bytes written on every stream (opened or accepted), and expected from the peer on each. */
  bytesPerStream: number;
  /** Seeds the write sizes and the payload bytes. */
  seed: number;
  /** Writes are 1..maxWrite bytes (default 48 KiB: frames of every size, some cut in two). */
  maxWrite?: number;
  /** Fraction of writes filled with highly compressible bytes (default 0.25). */
  compressible?: number;
  /** Application read rate in bytes per ms (default: unthrottled). */
  readBytesPerMs?: number;
  /** Client: close each stream once it has written and received everything (FIN; the server then sees EOF). */
  closeWhenDone?: boolean;
  /** Every byte smux receives (after snappy), for wire inspection. */
  onSmuxInput?: (bytes: Uint8Array) => void;
}

/** What happened on one stream at this end. */
export interface StreamRecord {
  readonly id: number;
  written: number;
  received: number;
  /** The peer's FIN was read (the stream then closed itself). */
  eof: boolean;
  /** Closed locally after finishing. */
  closedByUs: boolean;
  sentDigest(): string;
  receivedDigest(): string;
}

export interface StackStats {
  /** `write()` returned false (the writer then waited for `stream-writable`). */
  writeBlocked: number;
  /** Ticks that ended with KCP holding bytes that smux had no budget for. */
  inputPaused: number;
  /** Ticks that ended with smux output waiting for room in KCP's send window. */
  sendWindowFull: number;
  /** Most bytes smux held unread at the end of a tick. */
  maxBufferedBytes: number;
}

class StreamState implements StreamRecord {
  written = 0;
  received = 0;
  eof = false;
  closedByUs = false;
  blocked = false;
  readonly sent: Hash = createHash('sha256');
  readonly got: Hash = createHash('sha256');
  constructor(readonly stream: SmuxStream) {}
  get id(): number {
    return this.stream.id;
  }
  sentDigest(): string {
    return this.sent.copy().digest('hex');
  }
  receivedDigest(): string {
    return this.got.copy().digest('hex');
  }
}

export class StackEndpoint implements SimEndpoint {
  readonly session: KcpSession;
  readonly smux: SmuxSession;
  readonly reader: SnappyFrameReader | undefined;
  readonly stats: StackStats = { writeBlocked: 0, inputPaused: 0, sendWindowFull: 0, maxBufferedBytes: 0 };
  /** Why smux ended, if it did (null: closed locally). */
  smuxEnd: SmuxError | null | undefined;
  private readonly writer: SnappyFrameWriter | undefined;
  private readonly states = new Map<number, StreamState>();
  /** Streams that still have bytes to write and are not blocked. */
  private readonly writing = new Set<StreamState>();
  /** Streams that signalled data (or EOF) and have not been read empty since. */
  private readonly readable = new Set<StreamState>();
  private readonly rng: Rng;
  private readonly keystream: Cipher;
  private readonly arrivals: DatagramBatch;
  private readonly readBuffer = new Uint8Array(READ_CHUNK);
  private readonly maxWrite: number;
  private readonly compressible: number;
  private readonly readRate: number;
  private readAllowance = 0;
  private lastReadAt: number;
  private started = false;
  private now: number;

  constructor(kernels: Kernels, private readonly opts: StackEndpointOptions) {
    this.now = opts.startMs ?? 0;
    this.lastReadAt = this.now;
    this.session = new KcpSession(kernels, {
      ...opts.session,
      onDatagrams: (batch) => {
        for (let i = 0; i < batch.count; i++) opts.link.send(batch.view(i), this.now);
      },
    });
    this.smux = new SmuxSession({ role: opts.role, now: this.now, config: opts.smux });
    if (opts.compress) {
      this.writer = new SnappyFrameWriter();
      this.reader = new SnappyFrameReader();
    }
    this.arrivals = new DatagramBatch(kernels, INBOX);
    this.rng = new Rng(opts.seed);
    const key = Buffer.alloc(16);
    key.writeUInt32LE(opts.seed >>> 0, 0);
    // AES-CTR keystream: seeded payload bytes at memcpy-like speed
    this.keystream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    this.maxWrite = opts.maxWrite ?? 48 * 1024;
    this.compressible = opts.compressible ?? 0.25;
    this.readRate = opts.readBytesPerMs ?? Infinity;
  }

  // ---- SimEndpoint -------------------------------------------------------

  input(datagram: Uint8Array, now: number): void {
    if (this.arrivals.count === this.arrivals.capacity) this.drainArrivals(now);
    this.arrivals.push(datagram);
  }

  tick(now: number): void {
    this.now = now;
    this.drainArrivals(now);
    this.session.update(now);
    if (!this.started) this.start(now);
    if (this.readRate !== Infinity) {
      this.readAllowance = Math.min(this.readAllowance + (now - this.lastReadAt) * this.readRate, READ_PERIOD_MS * 4 * this.readRate);
      this.lastReadAt = now;
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let progress = this.pumpIn(now);
      if (now >= this.smux.nextWakeAt) this.smux.tick(now);
      progress = this.handleEvents() || progress;
      progress = this.readStreams(now) || progress;
      progress = this.writeStreams() || progress;
      progress = this.pumpOut(now) || progress;
      if (!progress) break;
    }
    const kcp = this.session.kcp;
    if (!this.smux.wantsInput && (this.session.readable > 0 || (this.reader?.bufferedBytes ?? 0) > 0)) this.stats.inputPaused++;
    if (this.smux.hasOutput && kcp.waitSnd >= kcp.config.sndWnd) this.stats.sendWindowFull++;
    this.stats.maxBufferedBytes = Math.max(this.stats.maxBufferedBytes, this.smux.bufferedBytes);
  }

  nextWakeAt(now: number): number {
    let at = Math.min(now + this.session.msUntilFlush(now), this.smux.nextWakeAt);
    if (this.readRate !== Infinity && this.readable.size > 0) at = Math.min(at, now + READ_PERIOD_MS);
    return at;
  }

  // ---- results -------------------------------------------------------------

  /** Every stream this end opened or accepted, by id. */
  get streams(): ReadonlyMap<number, StreamRecord> {
    return this.states;
  }

  /** Streams whose peer FIN was read. */
  get eofCount(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.eof) n++;
    return n;
  }

  /** Every stream has written and received `bytesPerStream` bytes. */
  get transferComplete(): boolean {
    const want = this.opts.bytesPerStream;
    for (const s of this.states.values()) if (s.written < want || s.received < want) return false;
    return true;
  }

  /** Release kernel memory. */
  dispose(): void {
    this.session.close();
    this.arrivals.dispose();
  }

  // ---- the shell -------------------------------------------------------------

  private start(now: number): void {
    this.started = true;
    for (let i = 0; i < (this.opts.streamsToOpen ?? 0); i++) this.track(this.smux.openStream(now));
  }

  private track(stream: SmuxStream): void {
    const state = new StreamState(stream);
    this.states.set(stream.id, state);
    if (this.opts.bytesPerStream > 0) this.writing.add(state);
  }

  private drainArrivals(now: number): void {
    if (this.arrivals.count === 0) return;
    this.session.input(this.arrivals, now);
    this.arrivals.clear();
  }

  /** KCP → (snappy) → smux, while smux has receive budget. */
  private pumpIn(now: number): boolean {
    let progress = false;
    const reader = this.reader;
    while (this.smux.wantsInput) {
      let bytes: Uint8Array | undefined;
      if (reader) {
        bytes = reader.read();
        if (bytes === undefined) {
          if (reader.error || this.session.readable === 0) break;
          reader.commit(this.session.read(reader.reserve(Math.min(this.session.readable, READ_CHUNK))));
          progress = true;
          continue;
        }
      } else {
        if (this.session.readable === 0) break;
        // no more than the budget left, so a full budget is overshot by at most the frame in progress
        const room = Math.max(1, Math.min(READ_CHUNK, this.smux.receiveBudget));
        bytes = this.readBuffer.subarray(0, this.session.read(this.readBuffer.subarray(0, room)));
      }
      this.opts.onSmuxInput?.(bytes);
      this.smux.input(bytes, now); // copies what it keeps: the read buffer may be reused
      progress = true;
    }
    return progress;
  }

  private handleEvents(): boolean {
    const events = this.smux.takeEvents();
    for (const e of events) {
      switch (e.type) {
        case 'stream-accepted':
          this.track(e.stream);
          break;
        case 'stream-readable': {
          const state = this.states.get(e.stream.id);
          if (state) this.readable.add(state);
          break;
        }
        case 'stream-writable': {
          const state = this.states.get(e.stream.id);
          if (state && state.blocked) {
            state.blocked = false;
            if (state.written < this.opts.bytesPerStream) this.writing.add(state);
          }
          break;
        }
        case 'session-closed':
          this.smuxEnd = e.error;
          break;
      }
    }
    return events.length > 0;
  }

  /** The application drains readable streams (within its read rate). */
  private readStreams(now: number): boolean {
    let progress = false;
    for (const state of this.readable) {
      const stream = state.stream;
      for (;;) {
        if (this.readAllowance <= 0 && this.readRate !== Infinity) return progress;
        const chunk = stream.read(this.readRate === Infinity ? Infinity : Math.max(1, Math.floor(this.readAllowance)), now);
        if (chunk === null) {
          // empty (a blocked Go Read), or EOF: the stream then closed itself and queued our FIN
          if (stream.readableEnded && !state.closedByUs) state.eof = true;
          this.readable.delete(state);
          break;
        }
        state.got.update(chunk);
        state.received += chunk.length;
        if (this.readRate !== Infinity) this.readAllowance -= chunk.length;
        progress = true;
      }
      this.maybeClose(state);
    }
    return progress;
  }

  /** The application writes seeded bytes until smux says stop. */
  private writeStreams(): boolean {
    let progress = false;
    const want = this.opts.bytesPerStream;
    while (this.writing.size > 0) {
      for (const state of this.writing) {
        const n = Math.min(1 + this.rng.int(this.maxWrite), want - state.written);
        const data = this.payload(n);
        state.sent.update(data);
        state.written += n;
        progress = true;
        const more = state.stream.write(data);
        if (state.written >= want) {
          this.writing.delete(state);
          this.maybeClose(state);
        } else if (!more) {
          this.stats.writeBlocked++;
          state.blocked = true;
          this.writing.delete(state);
        }
      }
    }
    return progress;
  }

  private maybeClose(state: StreamState): void {
    const want = this.opts.bytesPerStream;
    if (!this.opts.closeWhenDone || state.closedByUs || state.written < want || state.received < want) return;
    state.closedByUs = true;
    state.stream.close();
  }

  /** smux → (snappy) → KCP while KCP's send window has room; then one flush. */
  private pumpOut(now: number): boolean {
    const kcp = this.session.kcp;
    const window = kcp.config.sndWnd;
    let queued = false;
    while (!this.session.isClosed && kcp.waitSnd < window) {
      const out = this.smux.takeOutput(Math.min(MAX_RECORD, (window - kcp.waitSnd) * kcp.mss));
      if (!out) break;
      if (this.writer) for (const piece of this.writer.write(out)) this.session.send(piece);
      else this.session.send(out);
      queued = true;
    }
    if (queued) this.session.flush(now);
    return queued;
  }

  /** `n` fresh seeded bytes: keystream, or a short random motif repeated (compresses ~20×). */
  private payload(n: number): Uint8Array {
    if (this.rng.next() >= this.compressible) return this.keystream.update(Buffer.alloc(n));
    const motif = Math.min(n, 64 + this.rng.int(192));
    const out = Buffer.allocUnsafe(n);
    this.keystream.update(Buffer.alloc(motif)).copy(out, 0);
    for (let filled = motif; filled < n; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, n - filled));
    return out;
  }
}
