/**
 * A smux session as a sans-I/O core (docs/protocol.md §4). The shell:
 *
 *   session.input(bytes, now)      bytes read from KCP (after snappy), any split
 *   session.takeOutput(maxBytes)   bytes to write into KCP, control frames first
 *   session.tick(now)              when `now >= session.nextWakeAt` (keepalive)
 *   session.takeEvents()           accepted / readable / writable streams, session end
 *   session.wantsInput             false while the receive budget is used up: stop
 *                                  draining KCP (that is the back-pressure)
 *
 * After any call, re-check `hasOutput`, `nextWakeAt`, `wantsInput` and the
 * events. Nothing here throws on network input: a protocol violation ends
 * this session with a typed error (`session-closed` event, `session.error`).
 *
 * Modes (`config.enableStreamBuffer`):
 * - false, "compat": the stock-compatible wire of kcptunB `--streambuf-en=0`
 *   (docs/protocol.md §4.6.1): sends only SYN/FIN/PSH/NOP, version 1, zero-length control
 *   frames; NOPs carry a counter and are not answered. Incoming cmd 4 is
 *   accepted with a length of 0..8 and ignored: 0 is a kcptunB ACK, 8 a stock
 *   UPD body (stock sets length = 8), and honouring `length` can never
 *   desynchronise, unlike stock's fixed 8-byte read (docs/protocol.md §9 item 2). Incoming
 *   FUL/EMP are honoured, as kcptunB does with its stream buffer off (a
 *   misconfigured kcptunB peer keeps its flow control; stock never sends them).
 * - true, "kcptunB": additionally ACK every NOP, heartbeat with RTT, FUL/EMP
 *   (docs/protocol.md §4.6.2, §4.6.3).
 * In both modes: version ≠ 1, cmd > 6, or a control frame longer than its
 * limit (0 bytes; 8 for cmd 4 in compat mode) end the session; PSH may be up
 * to 65535 bytes whatever our own maxFrameSize.
 *
 * `config.dialect = 'stock'` speaks xtaci/smux instead (docs/protocol.md §4.8): version 1
 * or 2 as configured, cmd 4 is UPD with exactly 8 body bytes (applied to the stream's
 * window in v2, ignored in v1), cmds above 4 end the session, NOP(0) every interval and
 * no reply to NOPs, silence judged once per keepalive timeout (StockKeepalive).
 */
import { verifySmuxConfig, type SmuxConfig } from './config.js';
import {
  BadUpdateFrameError,
  FrameTooLargeError,
  InvalidSmuxConfigError,
  InvalidVersionError,
  SessionClosedError,
  SmuxError,
  SmuxInternalError,
  StreamIdsExhaustedError,
  UnknownCommandError,
} from './errors.js';
import {
  SMUX_VERSION,
  CMD_ACK,
  CMD_EMP,
  CMD_FIN,
  CMD_FUL,
  CMD_MAX,
  CMD_MAX_STOCK,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  CMD_UPD,
  FrameDecoder,
  SMUX_VERSION_2,
} from './frame.js';
import { FrameQueue } from './frameQueue.js';
import { CompatKeepalive, HeartbeatKeepalive, StockKeepalive, type Keepalive } from './keepalive.js';
import { decodeUpdBody, UPD_BODY_SIZE } from './streamWindow.js';
import { SmuxStream, type StreamHost } from './stream.js';

export type SmuxRole = 'client' | 'server';

export interface SmuxSessionOptions {
  /** Client streams get odd ids from 3, server streams even ids from 2 (docs/protocol.md §4.3). */
  role: SmuxRole;
  /** Current time, ms (the session sends its first NOP now). */
  now: number;
  /** Overrides of DEFAULT_SMUX_CONFIG; validated here. */
  config?: Partial<SmuxConfig>;
  /** First id `openStream` uses (tests of id exhaustion); default 3 (client) / 2 (server). */
  firstStreamId?: number;
}

export type SmuxEvent =
  /** The peer opened a stream (SYN). */
  | { type: 'stream-accepted'; stream: SmuxStream }
  /** Data arrived on a stream whose buffer was empty, or FIN arrived with nothing buffered. Read until null. */
  | { type: 'stream-readable'; stream: SmuxStream }
  /** A stream whose `write()` returned false has drained to half the high-water mark. */
  | { type: 'stream-writable'; stream: SmuxStream }
  /** The session ended: `error` null when closed locally, else why. Always the last event. */
  | { type: 'session-closed'; error: SmuxError | null };

const MAX_STREAM_ID = 0xffffffff;
/** Largest cmd-4 body accepted in compat mode: stock's UPD (consumed u32 + window u32). */
const STOCK_UPD_BODY = 8;

export class SmuxSession implements StreamHost {
  readonly config: Readonly<SmuxConfig>;
  readonly role: SmuxRole;
  /** @internal */
  readonly queue: FrameQueue;
  private clock: number;

  /** Bytes given to `input()`. */
  bytesReceived = 0;
  /** Bytes returned by `takeOutput()`. */
  bytesSent = 0;
  /** Complete, valid frames received. */
  framesReceived = 0;
  /** PSH payload bytes dropped because their sid was unknown or closed. */
  discardedBytes = 0;

  private readonly streams = new Map<number, SmuxStream>();
  private readonly decoder: FrameDecoder;
  private readonly keepalive: Keepalive;
  private events: SmuxEvent[] = [];
  private nextStreamId: number;
  private buffered = 0;
  private ended = false;
  private endError: SmuxError | null = null;

  /** Throws InvalidSmuxConfigError for a bad configuration. */
  constructor(options: SmuxSessionOptions) {
    this.config = Object.freeze(verifySmuxConfig(options.config));
    this.role = options.role;
    this.clock = options.now;
    const first = options.firstStreamId ?? (options.role === 'client' ? 3 : 2);
    if (!Number.isInteger(first) || first < 0 || first > MAX_STREAM_ID) {
      throw new InvalidSmuxConfigError('firstStreamId', first, 'an integer in [0, 2^32-1]');
    }
    this.nextStreamId = first;
    this.queue = new FrameQueue(this.config.version);
    const streamBuffer = this.config.enableStreamBuffer;
    const stock = this.config.dialect === 'stock';
    this.version = this.config.version;
    let firstFrame = this.config.adoptPeerVersion;
    const controlLimit = streamBuffer ? 0 : STOCK_UPD_BODY;
    this.decoder = new FrameDecoder((ver, cmd, length) => {
      if (firstFrame) {
        firstFrame = false;
        if (ver === SMUX_VERSION || ver === SMUX_VERSION_2) this.adoptVersion(ver);
      }
      const version = this.version;
      if (ver !== version) return new InvalidVersionError(ver, version);
      if (cmd > (stock ? CMD_MAX_STOCK : CMD_MAX)) return new UnknownCommandError(cmd);
      if (cmd === CMD_PSH) return null;
      if (stock && cmd === CMD_UPD) return length === UPD_BODY_SIZE ? null : new BadUpdateFrameError(length);
      const limit = cmd === CMD_ACK ? controlLimit : 0;
      return length > limit ? new FrameTooLargeError(cmd, length, limit) : null;
    });
    const host = {
      sendNop: (sid: number) => this.queue.pushControl(CMD_NOP, sid),
      die: (error: SmuxError) => this.end(error),
    };
    const { keepAliveIntervalMs: interval, keepAliveTimeoutMs: timeout } = this.config;
    this.keepalive = stock
      ? new StockKeepalive(host, interval, timeout, options.now)
      : streamBuffer
        ? new HeartbeatKeepalive(host, interval, timeout, options.now)
        : new CompatKeepalive(host, interval, timeout, options.now);
  }

  /** The version byte this session speaks (the configured one, or the peer's when adopted). */
  version: number;

  private adoptVersion(ver: number): void {
    this.version = ver;
    this.queue.setVersion(ver);
  }

  // ---- driving the core ------------------------------------------------

  /** Feed bytes received from the peer. Never throws; a violation ends the session. */
  input(bytes: Uint8Array, now: number): void {
    if (this.ended) return;
    this.clock = now;
    this.bytesReceived += bytes.length;
    try {
      const error = this.decoder.push(bytes, this.onFrame);
      if (error && !this.ended) this.end(error as SmuxError);
    } catch (cause) {
      this.end(new SmuxInternalError(cause));
    }
  }

  /**
   * Up to `maxBytes` bytes to send (control frames first, then streams round
   * robin); the last frame may be cut and its rest comes first next time.
   * Null when nothing is ready.
   */
  takeOutput(maxBytes = Infinity): Uint8Array | null {
    if (this.ended) return null;
    const out = this.queue.take(maxBytes);
    if (out) this.bytesSent += out.length;
    return out;
  }

  /** `takeOutput(dest.length)` written into `dest` (no buffer allocated per call); the bytes written, 0 when nothing is ready. */
  takeOutputInto(dest: Uint8Array): number {
    if (this.ended) return 0;
    const n = this.queue.takeInto(dest);
    this.bytesSent += n;
    return n;
  }

  /** Something may be ready for `takeOutput` (a paused stream can still make it return null). */
  get hasOutput(): boolean {
    return !this.ended && this.queue.hasOutput;
  }

  /** Run the keepalive when due. */
  tick(now: number): void {
    if (this.ended) return;
    this.clock = now;
    this.keepalive.tick(now, this.buffered >= this.config.maxReceiveBuffer);
  }

  /** When `tick` must next be called (ms); Infinity once ended. */
  get nextWakeAt(): number {
    return this.ended ? Infinity : this.keepalive.nextWakeAt;
  }

  /** Events since the last call, oldest first. */
  /** Events are waiting for `takeEvents()`. */
  get hasEvents(): boolean {
    return this.events.length > 0;
  }

  takeEvents(): SmuxEvent[] {
    const events = this.events;
    if (events.length === 0) return events;
    this.events = [];
    return events;
  }

  // ---- streams ---------------------------------------------------------

  /** Open a stream: SYN is queued; data may be written at once (docs/protocol.md §4.3). */
  openStream(now: number = this.now): SmuxStream {
    if (this.ended) throw new SessionClosedError();
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) throw new StreamIdsExhaustedError();
    this.nextStreamId = id + 2;
    const stream = new SmuxStream(id, this, true, now);
    this.streams.set(id, stream);
    this.queue.activate(stream);
    return stream;
  }

  /** False once the session ended or stream ids are used up ("go away"). */
  get canOpenStream(): boolean {
    return !this.ended && this.nextStreamId <= MAX_STREAM_ID;
  }

  getStream(id: number): SmuxStream | undefined {
    return this.streams.get(id);
  }

  /** Streams not yet closed locally. */
  get streamCount(): number {
    return this.streams.size;
  }

  // ---- budget, state -----------------------------------------------------

  /** The last `now` given to the constructor, `input` or `tick` (default time of stream reads). */
  get now(): number {
    return this.clock;
  }

  /** Received bytes buffered in streams and not yet read. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** maxReceiveBuffer − bufferedBytes (negative when a frame overshot it). */
  get receiveBudget(): number {
    return this.config.maxReceiveBuffer - this.buffered;
  }

  /** Whether the shell should keep draining KCP into `input()`. */
  get wantsInput(): boolean {
    return !this.ended && this.buffered < this.config.maxReceiveBuffer;
  }

  /** Round-trip estimate from the heartbeat (500 until the first ACK; stays 500 in compat mode). */
  get rttMs(): number {
    return this.keepalive.rttMs;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Why the session ended (null while open or when closed locally). */
  get error(): SmuxError | null {
    return this.endError;
  }

  /** Frames handed out by `takeOutput`. */
  get framesSent(): number {
    return this.queue.framesSent;
  }

  /** Close every open stream: each sends what it has queued, then its FIN (a graceful shutdown). */
  closeStreams(): void {
    for (const stream of [...this.streams.values()]) stream.close();
  }

  /** End the session locally. Nothing is sent (a smux session has no close frame). */
  close(): void {
    this.end(null);
  }

  // ---- internals ---------------------------------------------------------

  private end(error: SmuxError | null): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    for (const stream of this.streams.values()) stream.onSessionEnd();
    this.streams.clear();
    this.queue.clear();
    this.buffered = 0;
    this.events.push({ type: 'session-closed', error });
  }

  private readonly onFrame = (cmd: number, sid: number, payload: Uint8Array): void => {
    if (this.ended) return;
    this.framesReceived++;
    this.keepalive.onFrame();
    switch (cmd) {
      case CMD_PSH: {
        const stream = this.streams.get(sid);
        if (stream) {
          this.buffered += payload.length;
          stream.onData(payload, this.now);
        } else {
          this.discardedBytes += payload.length;
        }
        break;
      }
      case CMD_SYN:
        if (!this.streams.has(sid)) {
          const stream = new SmuxStream(sid, this, false, this.now);
          this.streams.set(sid, stream);
          this.events.push({ type: 'stream-accepted', stream });
        } // duplicate SYN: ignored
        break;
      case CMD_FIN:
        this.streams.get(sid)?.onFin();
        break;
      case CMD_NOP:
        if (this.config.enableStreamBuffer) this.queue.pushControl(CMD_ACK, sid);
        break;
      case CMD_ACK: // = CMD_UPD: the dialect decides (docs/protocol.md §4.8)
        if (this.config.dialect === 'stock') {
          if (this.version === SMUX_VERSION_2) {
            const { consumed, window } = decodeUpdBody(payload);
            this.streams.get(sid)?.onWindowUpdate(consumed, window);
          }
        } else {
          this.keepalive.onAck(sid, this.now);
        }
        break;
      case CMD_FUL:
        this.streams.get(sid)?.onPause();
        break;
      case CMD_EMP:
        this.streams.get(sid)?.onResume();
        break;
    }
  };

  /** @internal StreamHost */
  releaseBudget(n: number): void {
    this.buffered -= n;
  }

  /** @internal StreamHost */
  forgetStream(stream: SmuxStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }

  /** @internal StreamHost */
  emitStreamEvent(type: 'stream-readable' | 'stream-writable', stream: SmuxStream): void {
    this.events.push({ type, stream });
  }
}
