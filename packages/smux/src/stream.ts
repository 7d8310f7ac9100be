/**
 * One smux stream: a receive buffer the application drains with `read()`,
 * and an ordered send list (SYN, data, FIN) the session's FrameQueue pulls
 * frames from.
 *
 * Close semantics (docs/protocol.md §4.3; kcptun propagates no TCP half-close):
 *
 * - `close()` closes BOTH directions at once, as kcptun's `Stream.Close`:
 *   unread received bytes are dropped and their budget returned to the
 *   session; later frames for this sid are discarded (the sid leaves the
 *   session's table); no more writes are accepted. Bytes already written are
 *   still sent, in order, followed by exactly one FIN — except data whose
 *   write had not started when the peer paused the stream (FUL): kcptunB's
 *   blocked Write fails at close, so that data is dropped and FIN goes at
 *   once. A write "starts" when its first frame is taken (see `pullFrame`).
 * - A FIN from the peer marks the read side ended. Data already buffered is
 *   still readable; once it is drained `readableEnded` is true, and the
 *   `read()` that finds the buffer empty and ended closes the stream (sends
 *   our FIN), as kcptunB's Read does on EOF.
 * - The shell therefore does exactly what kcptun does: local TCP ended or
 *   failed → `stream.close()` (+ destroy the socket); `read()` returned null
 *   with `readableEnded` → end the TCP socket (the stream has closed itself).
 *   `closed` = local side done; a session that dies closes all its streams.
 *
 * Peer pause (FUL/EMP): `peerPaused` is checked only when a write STARTS
 * (its first PSH is taken); a write already started sends all its frames
 * (docs/protocol.md §4.6.3). Other streams keep flowing.
 *
 * Stock v2 windows (docs/protocol.md §4.7): a PSH never carries more than the peer's
 * window allows; reads send UPD. A stream blocked on a window whose peer sent FIN
 * drops its unsent data (stock's blocked Write ends with EOF) so its FIN can go.
 */
import { ByteQueue } from './byteQueue.js';
import type { SmuxConfig } from './config.js';
import { FLOW_PAUSE, FLOW_RESUME, StreamFlowControl, type FlowDecision } from './flowControl.js';
import { CMD_EMP, CMD_FIN, CMD_FUL, CMD_PSH, CMD_SYN, CMD_UPD, EMPTY, SMUX_VERSION_2 } from './frame.js';
import { StreamWindow } from './streamWindow.js';
import type { FrameQueue, FrameSource, PulledFrame } from './frameQueue.js';

/** What a stream needs from its session. */
export interface StreamHost {
  readonly config: Readonly<SmuxConfig>;
  /** The version byte the session speaks (v2 gives streams windows). */
  readonly version: number;
  /** Last `now` the session was given. */
  readonly now: number;
  readonly rttMs: number;
  readonly queue: FrameQueue;
  /** `n` buffered bytes left the stream (read or dropped): give them back to the session budget. */
  releaseBudget(n: number): void;
  /** The stream closed locally: forget its sid. */
  forgetStream(stream: SmuxStream): void;
  emitStreamEvent(type: 'stream-readable' | 'stream-writable', stream: SmuxStream): void;
}

const FIN_NONE = 0;
const FIN_QUEUED = 1;
const FIN_SENT = 2;

export class SmuxStream implements FrameSource {
  scheduled = false;
  private readonly rx = new ByteQueue();
  private readonly tx = new ByteQueue();
  private remoteEnded = false;
  private flow: StreamFlowControl | null;
  private synPending: boolean;
  private finState = FIN_NONE;
  private paused = false;
  private localClosed = false;
  private sessionEnded = false;
  private writeBlocked = false;
  /** `end()` was called: no more writes, FIN queued after the written bytes; reading goes on. */
  private writeEnded = false;
  private readonly window: StreamWindow | null;

  /** @internal created by SmuxSession only. */
  constructor(
    readonly id: number,
    private readonly host: StreamHost,
    opener: boolean,
    now: number,
  ) {
    this.synPending = opener;
    const c = host.config;
    this.flow = c.enableStreamBuffer ? new StreamFlowControl(c.maxStreamBuffer, c.boostTimeoutMs, now) : null;
    this.window = c.dialect === 'stock' && host.version === SMUX_VERSION_2 ? new StreamWindow(c.streamWindow) : null;
  }

  // ---- application side ------------------------------------------------

  /** Received bytes not yet read. */
  get readableLength(): number {
    return this.rx.length;
  }

  /** The peer sent FIN and every byte before it has been read. */
  get readableEnded(): boolean {
    return this.remoteEnded && this.rx.length === 0;
  }

  /** Bytes written but not yet taken for sending. */
  get pendingSendBytes(): number {
    return this.tx.length;
  }

  /** The peer asked us to pause (FUL) and has not resumed (EMP) yet. */
  get peerPaused(): boolean {
    return this.paused;
  }

  /** Closed locally (by `close()`, by reading EOF, or because the session ended). */
  get closed(): boolean {
    return this.localClosed;
  }

  /** Our FIN has been handed out by `takeOutput`. */
  get finSent(): boolean {
    return this.finState === FIN_SENT;
  }

  /** Whether `write()` accepts data. */
  get writable(): boolean {
    return !this.localClosed && !this.writeEnded;
  }

  /** The peer sent FIN (bytes before it may still be buffered). */
  get remoteFinished(): boolean {
    return this.remoteEnded;
  }

  /**
   * Take up to `maxBytes` received bytes (one received frame's worth at most,
   * without copying), or null when none are buffered. A null with
   * `readableEnded` is EOF and closes the stream.
   */
  read(maxBytes = Infinity, now: number = this.host.now): Uint8Array | null {
    if (this.localClosed) return null;
    if (this.rx.length === 0) {
      if (this.remoteEnded) {
        // after end(), EOF retires the stream once its FIN is out (retireIfDone), never drops data
        if (this.writeEnded) this.retireIfDone();
        else this.close();
        return null;
      }
      if (this.flow) this.sendFlow(this.flow.onEmptyRead());
      return null;
    }
    const chunk = this.rx.take(maxBytes);
    if (chunk === null) return null;
    this.host.releaseBudget(chunk.length);
    if (this.flow) this.sendFlow(this.flow.onRead(chunk.length, now, this.host.rttMs));
    if (this.window) {
      const upd = this.window.onRead(chunk.length);
      if (upd) this.host.queue.pushControlWithBody(CMD_UPD, this.id, upd);
    }
    return chunk;
  }

  /**
   * Queue `data` for sending, split into PSH frames of at most maxFrameSize.
   * The bytes are kept by reference until sent: do not modify them. Returns
   * false when the stream holds writeHighWaterMark bytes or more (wait for
   * `stream-writable`) or is closed (the data is then dropped).
   */
  write(data: Uint8Array): boolean {
    if (this.localClosed || this.writeEnded) return false;
    if (data.length > 0) {
      this.tx.push(data);
      this.host.queue.activate(this);
    }
    if (this.tx.length >= this.host.config.writeHighWaterMark) {
      this.writeBlocked = true;
      return false;
    }
    return true;
  }

  /**
   * Half-close, for library streams (the relays keep kcptun's close-both): no more writes; what
   * was written is sent, then FIN, and the stream still reads until the peer's FIN. Unlike
   * `close()`, data held back by the peer's pause (FUL) is kept and sent once it resumes. The
   * caller `close()`s once it has read EOF and `finSent` (docs/protocol.md §4.3). Idempotent.
   */
  end(): void {
    if (this.localClosed || this.writeEnded) return;
    this.writeEnded = true;
    this.writeBlocked = false;
    if (this.finState === FIN_NONE) this.finState = FIN_QUEUED;
    this.host.queue.activate(this);
  }

  /** Close both directions (see the top of this file). Idempotent. */
  close(): void {
    if (this.localClosed) return;
    this.localClosed = true;
    this.writeBlocked = false;
    this.flow = null;
    const unread = this.rx.length;
    this.rx.clear();
    if (unread > 0) this.host.releaseBudget(unread);
    this.host.forgetStream(this);
    if (this.sessionEnded) return;
    if (this.finState === FIN_NONE) this.finState = FIN_QUEUED;
    this.host.queue.activate(this);
  }

  // ---- session side ----------------------------------------------------

  /** @internal PSH payload for this stream (the session has charged its budget). */
  onData(payload: Uint8Array, now: number): void {
    const wasEmpty = this.rx.length === 0;
    this.rx.push(payload);
    if (this.flow) this.sendFlow(this.flow.onArrival(payload.length, now));
    if (wasEmpty && payload.length > 0) this.host.emitStreamEvent('stream-readable', this);
  }

  /** @internal A stock v2 UPD for this stream. */
  onWindowUpdate(consumed: number, window: number): void {
    if (!this.window) return;
    this.window.onUpdate(consumed, window);
    if (this.hasFrameReady()) this.host.queue.activate(this);
  }

  /** @internal FIN from the peer. */
  onFin(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    if (this.window && this.hasFrameReady()) this.host.queue.activate(this);
    if (this.rx.length === 0) this.host.emitStreamEvent('stream-readable', this);
    this.retireIfDone();
  }

  /** @internal FUL from the peer. */
  onPause(): void {
    this.paused = true;
  }

  /** @internal EMP from the peer. */
  onResume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.hasFrameReady()) this.host.queue.activate(this);
  }

  /** @internal The session ended: nothing more is sent or received. */
  onSessionEnd(): void {
    this.sessionEnded = true;
    this.localClosed = true;
    this.writeBlocked = false;
    this.flow = null;
    this.rx.clear();
    this.tx.clear();
    this.synPending = false;
    if (this.finState === FIN_QUEUED) this.finState = FIN_NONE;
  }

  /** @internal FrameSource: SYN first, then data, then FIN. */
  pullFrame(out: PulledFrame): boolean {
    if (this.sessionEnded) return false;
    if (this.synPending) {
      this.synPending = false;
      out.cmd = CMD_SYN;
      out.payload = EMPTY;
      return true;
    }
    if (this.tx.length > 0) {
      const credit = this.window ? this.window.credit : Infinity;
      if (this.paused && this.tx.atChunkStart) {
        if (!this.localClosed) return false;
        this.tx.clear(); // writes blocked by FUL fail at close (kcptunB)
      } else if (credit === 0) {
        if (!this.remoteEnded) return false;
        this.tx.clear(); // a write blocked on the window ends when the peer sent FIN (stock)
      } else {
        out.cmd = CMD_PSH;
        out.payload = this.tx.take(Math.min(this.host.config.maxFrameSize, credit))!;
        this.window?.onSent(out.payload.length);
        if (this.writeBlocked && this.tx.length <= this.host.config.writeHighWaterMark / 2) {
          this.writeBlocked = false;
          this.host.emitStreamEvent('stream-writable', this);
        }
        return true;
      }
    }
    if (this.finState === FIN_QUEUED) {
      this.finState = FIN_SENT;
      out.cmd = CMD_FIN;
      out.payload = EMPTY;
      this.retireIfDone();
      return true;
    }
    return false;
  }

  /** After `end()`: both FINs exchanged and every byte read — the stream is done, its sid forgotten. */
  private retireIfDone(): void {
    if (!this.writeEnded || this.localClosed || this.finState !== FIN_SENT || !this.remoteEnded || this.rx.length > 0) return;
    this.localClosed = true;
    this.flow = null;
    this.host.forgetStream(this);
  }

  /** @internal FrameSource. */
  hasFrameReady(): boolean {
    if (this.sessionEnded) return false;
    if (this.synPending) return true;
    if (this.tx.length > 0) {
      if (this.window && this.window.credit === 0) return this.remoteEnded;
      return !this.paused || !this.tx.atChunkStart || this.localClosed;
    }
    return this.finState === FIN_QUEUED;
  }

  private sendFlow(decision: FlowDecision): void {
    // FUL goes ahead of data (docs/protocol.md §4.6.3). EMP goes the same way here (kcptunB: normal
    // queue) so a resume is never stuck behind this side's own paused data.
    if (decision === FLOW_PAUSE) this.host.queue.pushControl(CMD_FUL, this.id);
    else if (decision === FLOW_RESUME) this.host.queue.pushControl(CMD_EMP, this.id);
  }
}
