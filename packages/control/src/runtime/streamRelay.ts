/**
 * Relays one TCP connection over one smux stream, with back-pressure both ways, as a sans-I/O
 * shell: the socket is a `ByteSocket` port (the TCP edge, `StreamPipe`, implements it over a
 * net.Socket; the simulator over a model application).
 *
 *   socket data → stream.write (pause the socket while the stream is over its high-water mark)
 *   stream data → socket.write (stop reading the stream while the socket is congested; unread
 *                               bytes hold the session budget, which throttles KCP)
 *
 * kcptun semantics: when either direction ends, both are closed (docs/protocol.md §4.3) — at
 * once, or with upstream's `--closewait` W > 0 after W ms: the other direction keeps flowing
 * until it ends too or W has passed, then both close (docs/protocol.md §7.12). The wait is a
 * Wakeup the relay returns from `run(now)` in the control thread's RunQueue, never a timer.
 */
import { IDLE, type RunQueue, type Runnable, type Wakeup } from '@kcptunb/scheduler';
import type { SmuxStream } from '@kcptunb/smux';
import type { StreamHandler } from './streamHandler.js';

/** What the relay needs of a byte socket. */
export interface ByteSocket {
  /** Queue bytes for the peer; false when congested (then `socketDrained` follows). */
  write(data: Uint8Array): boolean;
  /** Stop delivering data (`fromSocket`) until `resume`. */
  pause(): void;
  resume(): void;
  /** Send what was written, then close. */
  end(): void;
}

export interface StreamRelayOptions {
  socket: ByteSocket;
  stream: SmuxStream;
  /** Ask the session link to run (it moves frames to and from the rings). */
  requestRun: () => void;
  onDone: (relay: StreamRelay) => void;
  /** Bytes that arrived on the socket before the relay was built (proxy handshakes). */
  initial?: Uint8Array;
  /** Upstream `--closewait` in ms (0/absent: close both directions as soon as one ends). */
  closeWaitMs?: number;
  /** Where the close-wait deadline is kept (required when `closeWaitMs` > 0). */
  queue?: RunQueue<Runnable>;
}

export class StreamRelay implements StreamHandler, Runnable {
  readonly stream: SmuxStream;
  private readonly socket: ByteSocket;
  private readonly requestRun: () => void;
  private readonly onDone: (relay: StreamRelay) => void;
  private readonly closeWaitMs: number;
  private readonly queue: RunQueue<Runnable> | undefined;
  private socketBlocked = false;
  private done = false;
  /** The socket sent its FIN (socket → stream ended). */
  private socketEof = false;
  /** The stream reached EOF (stream → socket ended). */
  private streamEof = false;
  /** When the close wait ends (set by the first `run` after a direction ended). */
  private deadline: number | undefined;

  constructor(o: StreamRelayOptions) {
    this.socket = o.socket;
    this.stream = o.stream;
    this.requestRun = o.requestRun;
    this.onDone = o.onDone;
    this.closeWaitMs = o.closeWaitMs ?? 0;
    this.queue = o.queue;
    if (this.closeWaitMs > 0 && !this.queue) throw new RangeError('a close wait needs a RunQueue');
    if (o.initial && o.initial.length) this.fromSocket(o.initial);
    this.readable();
    this.requestRun();
  }

  get finished(): boolean {
    return this.done;
  }

  /** The socket delivered bytes. */
  fromSocket(chunk: Uint8Array): void {
    if (this.done) return;
    if (!this.stream.write(chunk)) this.socket.pause();
    this.requestRun();
  }

  /** The socket took everything it was given: write again. */
  socketDrained(): void {
    this.socketBlocked = false;
    this.readable();
  }

  /** The socket sent its FIN: no more bytes from it (the 'end' event). */
  socketEnded(): void {
    if (this.done) return;
    this.socketEof = true;
    this.directionEnded();
  }

  /** The socket closed or failed: nothing more either way. */
  socketClosed(): void {
    this.finish();
  }

  /** One direction ended: close both now, or once the other ends too or the close wait is over. */
  private directionEnded(): void {
    if (this.closeWaitMs === 0 || (this.socketEof && this.streamEof)) return this.finish();
    if (!this.queue!.has(this)) this.queue!.add(this); // runs soon: the deadline counts from then
  }

  /** The close wait: finish once its deadline has passed. */
  run(now: number): Wakeup {
    if (this.done) return IDLE;
    this.deadline ??= now + this.closeWaitMs;
    if (now < this.deadline) return { at: this.deadline, rings: [] };
    this.finish();
    return IDLE;
  }

  /** The stream has data (or EOF) for the socket. */
  readable(): void {
    if (this.done) return;
    let read = false;
    while (!this.socketBlocked) {
      const data = this.stream.read();
      if (!data) break;
      read = true;
      if (!this.socket.write(data)) this.socketBlocked = true;
    }
    if (read) this.requestRun(); // freed session budget
    if (this.stream.readableEnded) {
      // the stream closes itself on EOF (its FIN goes now); the socket stays open during a close wait
      if (this.streamEof) return;
      this.streamEof = true;
      this.directionEnded();
    } else if (this.stream.closed) this.finish();
  }

  /** The stream went below its high-water mark again. */
  writable(): void {
    if (!this.done) this.socket.resume();
  }

  /** Either side ended: close both (the socket after what it was given is flushed). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue?.delete(this);
    this.stream.close();
    this.requestRun();
    this.socket.end();
    this.onDone(this);
  }
}
