/**
 * Relays one TCP connection over one smux stream, with back-pressure both ways, as a sans-I/O
 * shell: the socket is a `ByteSocket` port (the TCP edge, `StreamPipe`, implements it over a
 * net.Socket; the simulator over a model application).
 *
 *   socket data → stream.write (pause the socket while the stream is over its high-water mark)
 *   stream data → socket.write (stop reading the stream while the socket is congested; unread
 *                               bytes hold the session budget, which throttles KCP)
 *
 * kcptun semantics: when either direction ends, both are closed (docs/protocol.md §4.3).
 */
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
}

export class StreamRelay implements StreamHandler {
  readonly stream: SmuxStream;
  private readonly socket: ByteSocket;
  private readonly requestRun: () => void;
  private readonly onDone: (relay: StreamRelay) => void;
  private socketBlocked = false;
  private done = false;

  constructor(o: StreamRelayOptions) {
    this.socket = o.socket;
    this.stream = o.stream;
    this.requestRun = o.requestRun;
    this.onDone = o.onDone;
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

  /** The socket ended, closed or failed. */
  socketEnded(): void {
    this.finish();
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
    if (this.stream.readableEnded || this.stream.closed) this.finish();
  }

  /** The stream went below its high-water mark again. */
  writable(): void {
    if (!this.done) this.socket.resume();
  }

  /** Either side ended: close both (the socket after what it was given is flushed). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.stream.close();
    this.requestRun();
    this.socket.end();
    this.onDone(this);
  }
}
