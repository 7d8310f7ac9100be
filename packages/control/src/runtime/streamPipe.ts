/**
 * The TCP edge of a StreamRelay: a net.Socket as the relay's ByteSocket, its events fed to the
 * relay. Sockets that do not close after `end` are destroyed after a grace period.
 */
import type { Socket } from 'node:net';
import type { RunQueue, Runnable } from '@kcptunb/scheduler';
import type { SmuxStream } from '@kcptunb/smux';
import type { SessionLink } from './sessionLink.js';
import { StreamRelay, type ByteSocket } from './streamRelay.js';
import type { StreamHandler } from './streamHandler.js';
import { countTcpBytes } from './scavengePacer.js';

/** How long an ended socket may take to flush before it is destroyed. */
const END_GRACE_MS = 5000;

/**
 * Destroy `socket` if it has not closed within END_GRACE_MS. Outside the constructor so the timer
 * holds only the socket, not the session link (and its rings) the constructor's scope sees.
 */
function destroyAfterGrace(socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}

export class StreamPipe implements StreamHandler {
  readonly relay: StreamRelay;

  constructor(
    readonly socket: Socket,
    readonly stream: SmuxStream,
    link: SessionLink,
    onDone: (pipe: StreamPipe) => void,
    /** Bytes that arrived on the socket before the pipe was built (proxy handshakes). */
    initial?: Uint8Array,
    /** Socket bytes → stream bytes (the http proxy's request rewriter); identity when absent. */
    rewrite?: (chunk: Uint8Array) => Uint8Array,
    /** Upstream `--closewait` (ms) and the queue its deadline is kept in. */
    closeWait?: { ms: number; queue: RunQueue<Runnable> },
  ) {
    socket.setNoDelay(true);
    // during a close wait the socket's FIN must not end our side of it too
    if (closeWait && closeWait.ms > 0) socket.allowHalfOpen = true;
    const port: ByteSocket = {
      write: (data) => {
        countTcpBytes(data.length);
        return socket.write(data);
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      end: () => {
        socket.end();
        socket.destroySoon?.();
        destroyAfterGrace(socket);
      },
    };
    const first = initial && rewrite ? rewrite(initial) : initial;
    this.relay = new StreamRelay({ socket: port, stream, requestRun: () => link.schedule(), onDone: () => onDone(this), initial: first, closeWaitMs: closeWait?.ms, queue: closeWait?.queue });
    socket.on('data', (chunk: Buffer) => {
      countTcpBytes(chunk.length);
      const bytes = rewrite ? rewrite(chunk) : chunk;
      if (bytes.length > 0) this.relay.fromSocket(bytes);
    });
    socket.on('drain', () => this.relay.socketDrained());
    socket.on('end', () => this.relay.socketEnded());
    socket.on('close', () => this.relay.socketClosed());
    socket.on('error', () => this.relay.socketClosed());
  }

  /** Already done (the stream had ended before the pipe was built): do not register it. */
  get finished(): boolean {
    return this.relay.finished;
  }

  readable(): void {
    this.relay.readable();
  }

  writable(): void {
    this.relay.writable();
  }

  finish(): void {
    this.relay.finish();
  }
}
