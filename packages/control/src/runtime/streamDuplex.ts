/**
 * A smux stream as a Node `Duplex`, for the library API (`client.openStream()`, a server's
 * stream handler): no TCP socket in between. Back-pressure both ways:
 *
 *   duplex.write → stream.write; the write callback waits for 'stream-writable' while the stream
 *                  holds --pipebuf bytes, so the Duplex's own buffer fills and write() says false
 *   stream data  → duplex.push only while the reader wants more; unread bytes hold the session
 *                  budget, which throttles KCP (as a slow TCP reader does for StreamPipe)
 *
 * Unlike the relays (kcptun closes both directions at once, docs/protocol.md §4.3), `end()` is a
 * half-close: FIN after the written bytes, and reading goes on until the peer's FIN.
 */
import { Duplex } from 'node:stream';
import type { SmuxStream } from '@kcptunb/smux';
import type { SessionLink } from './sessionLink.js';
import type { StreamHandler } from './streamHandler.js';

/** The session under a stream ended before the stream did. */
export class StreamSessionClosedError extends Error {
  readonly code = 'ERR_KCPTUNB_SESSION_CLOSED';
  constructor() {
    super('the tunnel session closed before the stream ended');
    this.name = 'StreamSessionClosedError';
  }
}

export class StreamDuplex extends Duplex {
  /** The smux stream id. */
  readonly id: number;
  /** What the session routes this stream's smux events to. */
  readonly events: StreamHandler;
  private wantsData = false;
  private pushedEnd = false;
  private done = false;
  private pendingWrite: ((error?: Error | null) => void) | undefined;

  constructor(
    private readonly stream: SmuxStream,
    private readonly link: SessionLink,
    private readonly onDone: (duplex: StreamDuplex) => void,
  ) {
    super({ allowHalfOpen: true });
    this.id = stream.id;
    const self = this;
    this.events = {
      readable: () => this.pull(),
      writable: () => this.resumeWrite(),
      finish: () => this.sessionEnded(),
      stop: () => this.destroy(),
      get finished() {
        return self.done;
      },
    };
    // done once both directions are, or on destroy: 'close' comes after either
    this.once('close', () => this.settle());
  }

  private resumeWrite(): void {
    const cb = this.pendingWrite;
    this.pendingWrite = undefined;
    cb?.();
  }

  /**
   * The session ended: a stream still open in either direction fails, unless the peer had
   * already ended its side (its FIN arrived) and no write of ours waits — the peer is gone, as a
   * half-open TCP socket's would be; a later write still fails.
   */
  private sessionEnded(): void {
    if (this.done) return;
    if (this.pushedEnd && this.writableFinished) return this.settle();
    if (this.stream.remoteFinished && this.pendingWrite === undefined && this.writableLength === 0) {
      this.pull(); // what the peer sent before its FIN is still read out
      this.destroy();
      return;
    }
    this.destroy(new StreamSessionClosedError());
  }

  // ---- Duplex ----

  override _read(): void {
    this.wantsData = true;
    this.pull();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.stream.closed) return callback(new StreamSessionClosedError());
    // smux keeps written bytes by reference until sent, and a caller may reuse its buffer once
    // the callback ran: hand smux a copy
    const accepted = this.stream.write(Buffer.from(chunk));
    this.link.schedule();
    if (accepted) callback();
    else this.pendingWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.stream.end();
    this.link.schedule();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // an abandoned stream: close both directions (FIN), as a relay does; a stream done both ways
    // retires itself once its FIN is out (closing it now could drop bytes the peer paused)
    const complete = !error && this.pushedEnd && this.writableFinished;
    if (!complete && !this.stream.closed) this.stream.close();
    this.link.schedule();
    const cb = this.pendingWrite;
    this.pendingWrite = undefined;
    cb?.(error ?? new StreamSessionClosedError());
    callback(error);
  }

  private pull(): void {
    if (this.done || this.destroyed) return;
    let read = false;
    while (this.wantsData && this.stream.readableLength > 0) {
      const data = this.stream.read();
      if (!data) break;
      read = true;
      this.wantsData = this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    if (!this.pushedEnd && this.stream.remoteFinished && this.stream.readableLength === 0) {
      this.pushedEnd = true;
      this.push(null);
      // after our end(), this read retires the stream once its FIN is out
      if (!this.stream.writable) this.stream.read();
    }
    if (read || this.pushedEnd) this.link.schedule(); // freed session budget
  }

  private settle(): void {
    if (this.done) return;
    this.done = true;
    this.onDone(this);
  }
}
