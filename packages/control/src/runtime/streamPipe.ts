/**
 * Relays one TCP connection over one smux stream, with back-pressure both ways:
 *   TCP data → stream.write (pause the socket when the stream is over its high-water mark)
 *   stream data → socket.write (stop reading the stream while the socket is congested;
 *                               unread bytes hold the session budget, which throttles KCP)
 * kcptun semantics: when either direction ends, both are closed (spec §4.3).
 */
import type { Socket } from 'node:net';
import type { SmuxStream } from '@kcptunb/smux';
import type { SessionLink } from './sessionLink.js';

export class StreamPipe {
  private socketBlocked = false;
  private done = false;

  constructor(
    readonly socket: Socket,
    readonly stream: SmuxStream,
    private readonly link: SessionLink,
    private readonly onDone: (pipe: StreamPipe) => void,
    /** Bytes that arrived on the socket before the pipe was built (proxy handshakes). */
    initial?: Uint8Array,
  ) {
    socket.setNoDelay(true);
    if (initial && initial.length) this.toStream(initial);
    socket.on('data', (chunk: Buffer) => this.toStream(chunk));
    socket.on('drain', () => {
      this.socketBlocked = false;
      this.readable();
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
    this.readable();
    link.schedule();
  }

  private toStream(chunk: Uint8Array): void {
    if (this.done) return;
    if (!this.stream.write(chunk)) this.socket.pause();
    this.link.schedule();
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
    if (read) this.link.schedule(); // freed session budget
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
    this.link.schedule();
    this.socket.end();
    this.socket.destroySoon?.();
    setTimeout(() => this.socket.destroy(), 5000).unref();
    this.onDone(this);
  }
}
