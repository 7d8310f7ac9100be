/**
 * The runtime half of the built-in proxy (`--ser`, docs/protocol.md §6): it feeds socket
 * and stream bytes into the pure handshakes of ../proxy and, once they agree,
 * hands the pair to a StreamPipe. Bytes on the tunnel are exactly kcptunB's.
 */
import type { Socket } from 'node:net';
import type { SmuxStream } from '@kcptunb/smux';
import { FastServerHandshake } from '../proxy/fastServer.js';
import { HttpProxyHandshake } from '../proxy/httpClient.js';
import { HttpRequestRewriter } from '../proxy/httpRequestRewriter.js';
import { formatTarget } from '../proxy/target.js';
import { Socks5ClientHandshake } from '../proxy/socks5Client.js';
import { TunnelReplyReader, type TunnelReplyOutcome } from '../proxy/tunnelReply.js';
import { socketAddress } from '../config/address.js';
import { DIAL_TIMEOUT_MS, dialTarget } from './dial.js';
import type { Logger } from './logger.js';
import type { StreamHandler } from './streamHandler.js';
import type { StreamPipe } from './streamPipe.js';
import type { TunnelSession } from './tunnel.js';

/** A handshake that has not finished after this long closes its connection. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * Client side (`--ser socks5|http`): answer the application's proxy request
 * locally, open the stream with the request as its first frame, and relay
 * once the server's 10-byte reply says the dial worked.
 */
export class ClientProxy implements StreamHandler {
  private readonly hs: Socks5ClientHandshake | HttpProxyHandshake;
  private stream: SmuxStream | undefined;
  private reply = new TunnelReplyReader();
  private done = false;
  /** How the log lines name this stream (set when it opens). */
  private streamLabel = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    kind: 'socks5' | 'http',
    private readonly socket: Socket,
    private readonly session: TunnelSession,
    private readonly logger: Logger,
    private readonly onPipe: (pipe: StreamPipe) => void,
  ) {
    this.hs = kind === 'socks5' ? new Socks5ClientHandshake() : new HttpProxyHandshake();
    this.timer = setTimeout(() => this.finish(), HANDSHAKE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => this.fromApp(chunk));
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
    socket.resume();
  }

  private fromApp(chunk: Uint8Array): void {
    if (this.done) return;
    const step = this.hs.push(chunk);
    if (step.reply.length) this.socket.write(step.reply);
    switch (step.kind) {
      case 'reject':
        this.logger.stream(`proxy request rejected: ${step.error.message}`);
        this.done = true;
        clearTimeout(this.timer);
        this.socket.end();
        return;
      case 'connect': {
        this.socket.pause();
        let stream: SmuxStream;
        try {
          stream = this.session.link.smux.openStream();
        } catch (e) {
          this.logger.log(`open stream: ${(e as Error).message}`);
          this.answer({ ok: false, rep: 1, truncated: true, leftover: new Uint8Array(0) } as TunnelReplyOutcome);
          return;
        }
        this.stream = stream;
        this.session.attach(stream, this);
        stream.write(step.streamHead);
        this.session.link.schedule();
        this.streamLabel = `in: ${socketAddress(this.socket.remoteAddress, this.socket.remotePort)} out: ${this.session.label} (${stream.id}) to ${formatTarget(step.target)}`;
        this.logger.stream(`stream opened ${this.streamLabel}`);
        return;
      }
      default:
        return;
    }
  }

  readable(): void {
    if (this.done || !this.stream) return;
    for (let data = this.stream.read(); data; data = this.stream.read()) {
      const outcome = this.reply.push(data);
      if (outcome) return this.answer(outcome);
    }
    if (this.stream.readableEnded || this.stream.closed) this.answer(this.reply.end());
    this.session.link.schedule();
  }

  private answer(outcome: TunnelReplyOutcome): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const a = this.hs.answer(outcome);
    if (a.toApp.length) this.socket.write(a.toApp);
    const stream = this.stream;
    if (!a.ok || !stream) {
      stream?.close();
      if (stream) this.session.detach(stream);
      this.session.link.schedule();
      this.socket.end();
      return;
    }
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    // --ser http: the app speaks to a proxy, the tunnel ends at an origin server (docs/protocol.md §6.4)
    const request = this.hs instanceof HttpProxyHandshake ? this.hs.request : null;
    const rewriter = request && !request.isConnect ? new HttpRequestRewriter() : null;
    const pipe = this.session.relay(this.socket, stream, {
      onDone: () => this.logger.stream(`stream closed ${this.streamLabel}`),
      initial: a.toStream,
      rewrite: rewriter ? (chunk) => rewriter.push(chunk) : undefined,
    });
    this.onPipe(pipe);
    this.socket.resume();
  }

  writable(): void {}

  get finished(): boolean {
    return this.done;
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    if (this.stream) {
      this.stream.close();
      this.session.detach(this.stream);
      this.session.link.schedule();
    }
    this.socket.destroy();
  }
}

/**
 * Server side (`--ser fast`): read the request from the stream's first frame,
 * dial the address it names (5 s), answer with kcptunB's 10-byte reply, relay.
 */
export class FastServerProxy implements StreamHandler {
  private readonly hs = new FastServerHandshake();
  private socket: Socket | undefined;
  private dialing = false;
  private done = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: SmuxStream,
    private readonly session: TunnelSession,
    private readonly logger: Logger,
    private readonly tfo: boolean,
  ) {
    this.timer = setTimeout(() => this.finish(), HANDSHAKE_TIMEOUT_MS);
    session.attach(stream, this);
    this.readable();
  }

  readable(): void {
    if (this.done || this.dialing) return;
    // one read = one frame: the handshake's host:port rule depends on it
    for (let data = this.stream.read(); data; data = this.stream.read()) {
      const step = this.hs.push(data);
      if (step.kind === 'reject') return this.reject(step.reply, step.error.message);
      if (step.kind === 'dial') return this.dial(step.target.host, step.target.port, formatTarget(step.target));
    }
    if (this.stream.readableEnded || this.stream.closed) {
      const step = this.hs.end();
      if (step?.kind === 'dial') return this.dial(step.target.host, step.target.port, formatTarget(step.target));
      this.finish();
    }
    this.session.link.schedule();
  }

  private reject(reply: Uint8Array, why: string): void {
    this.logger.stream(`fast request rejected: ${why}`);
    if (reply.length) this.stream.write(reply);
    this.finish();
  }

  private dial(host: string, port: number, label: string): void {
    this.dialing = true;
    this.session.link.schedule();
    dialTarget(host, port, this.tfo, DIAL_TIMEOUT_MS, this.logger).then(
      (socket) => {
        if (this.done) {
          socket.destroy();
          return;
        }
        this.socket = socket;
        clearTimeout(this.timer);
        const a = this.hs.dialed(null);
        if (!a.ok) return this.failed(label, new Error('dial refused by handshake'));
        this.done = true;
        this.stream.write(a.toStream);
        if (a.toTarget.length) socket.write(a.toTarget);
        this.logger.stream(`stream opened in: ${this.session.label} (${this.stream.id}) out: ${label}`);
        this.session.relay(socket, this.stream, { onDone: () => this.logger.stream(`stream closed in: ${this.session.label} (${this.stream.id}) out: ${label}`) });
        this.session.link.schedule(); // the reply frame must go out now: the client waits for it
      },
      (e: Error) => this.failed(label, e),
    );
  }

  private failed(label: string, e: Error): void {
    if (this.done) return;
    const a = this.hs.dialed(e);
    this.logger.stream(`dial ${label}: ${e.message}`);
    this.stream.write(a.toStream);
    this.finish();
  }

  writable(): void {}

  get finished(): boolean {
    return this.done;
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
    this.stream.close();
    this.session.detach(this.stream);
    this.session.link.schedule();
  }
}
