/**
 * What client and server share: the data plane, smux sessions bound to their
 * shard rings, TCP pipes, SNMP, logging and shutdown.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { DataPlane, type SessionRings } from '@kcptunb/dataplane';
import { SmuxSession, type SmuxError, type SmuxStream } from '@kcptunb/smux';
import type { RunQueue, Runnable } from '@kcptunb/scheduler';
import type { Snmp } from '@kcptunb/snmp';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import { nowMs } from '@kcptunb/dataplane';
import type { Logger } from './logger.js';
import { SessionLink } from './sessionLink.js';
import type { StreamHandler } from './streamHandler.js';
import { StreamPipe } from './streamPipe.js';
import { StreamDuplex } from './streamDuplex.js';
import { NO_EVENTS, type SessionInfo, type StreamInfo, type TunnelEventSink } from './tunnelEvents.js';

export interface TunnelSessionOptions {
  /** The data-plane shard running the KCP session, and its id there. */
  shard: number;
  id: number;
  /** How the logs name the session (its addresses). */
  label: string;
  /** The peer's address, as the failure hints name it. */
  peer: string;
  /** The KCP conversation id. */
  conv: number;
  /** Session and stream events (the library API). */
  events?: TunnelEventSink;
  /** Do not log this session's close (a repeat of a failure already explained). */
  quietClose?: boolean;
  rings: SessionRings;
  /** The smux side and settings. */
  settings: Pick<TunnelSettings, 'side' | 'smux'>;
  dataPlane: DataPlane;
  logger: Logger;
  /** The control thread's scheduler (the links run through it). */
  queue: RunQueue<Runnable>;
  /** Upstream `--closewait` in ms: how long a stream's other direction may go on after one ends. */
  closeWaitMs?: number;
  /** Server side: a stream the peer opened. */
  onAccepted?: (session: TunnelSession, stream: SmuxStream) => void;
}

export interface RelayOptions {
  /** Runs once the relay is done (after it is detached). */
  onDone?: () => void;
  /** Socket bytes that came before the relay (proxy handshakes). */
  initial?: Uint8Array;
  /** Socket bytes → stream bytes (the http proxy's request rewriter). */
  rewrite?: (chunk: Uint8Array) => Uint8Array;
}

/** A smux session over one KCP session of one shard. */
export class TunnelSession {
  readonly link: SessionLink;
  readonly shard: number;
  readonly id: number;
  readonly label: string;
  /** What each open stream's events go to: a relay or a proxy handshake. */
  private readonly handlers = new Map<SmuxStream, StreamHandler>();
  readonly createdAt = Date.now();
  readonly peer: string;
  private closedCallbacks: Array<() => void> = [];
  private readonly logger: Logger;
  private readonly quietClose: boolean;
  private closeLogged = false;
  private smuxError: SmuxError | null = null;
  private readonly closeWait: { ms: number; queue: RunQueue<Runnable> } | undefined;
  /** How events and stats() name the session. */
  readonly info: SessionInfo;
  private readonly events: TunnelEventSink;
  /** Streams handed to a relay or a Duplex and not done yet. */
  private carried = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(o: TunnelSessionOptions) {
    this.closeWait = o.closeWaitMs ? { ms: o.closeWaitMs, queue: o.queue } : undefined;
    this.shard = o.shard;
    this.id = o.id;
    this.label = o.label;
    this.peer = o.peer;
    this.logger = o.logger;
    this.quietClose = o.quietClose ?? false;
    this.events = o.events ?? NO_EVENTS;
    this.info = { id: `${o.shard}:${o.id}`, conv: o.conv, remote: o.peer, label: o.label, openedAt: this.createdAt };
    const { onAccepted, dataPlane } = o;
    const smux = new SmuxSession({ role: o.settings.side, now: nowMs(), config: o.settings.smux });
    const handlers = {
      onAccepted: onAccepted ? (s: SmuxStream) => onAccepted(this, s) : undefined,
      onReadable: (s: SmuxStream) => this.handlers.get(s)?.readable(),
      onWritable: (s: SmuxStream) => this.handlers.get(s)?.writable(),
      onClosed: (error: SmuxError | null) => {
        this.smuxError = error;
        // the data plane's 'closed' answer (dataPlaneClosed) writes the one close line; this is the fallback
        setTimeout(() => this.logClosed(null), CLOSE_LINE_FALLBACK_MS).unref();
        for (const handler of [...this.handlers.values()]) handler.finish();
        dataPlane.closeSession(this.shard, this.id);
        this.events('session-close', { ...this.info, reason: error?.message ?? null });
        for (const cb of this.closedCallbacks) cb();
      },
    };
    this.link = new SessionLink(smux, o.rings, handlers, o.queue);
  }

  get closed(): boolean {
    return this.link.closed;
  }

  /** The data plane ended the session (`reason`): the session's one close line. */
  dataPlaneClosed(reason: string): void {
    this.logClosed(reason === DATA_PLANE_CLOSED_BY_CONTROL ? null : reason);
  }

  /** True when the session died because the two sides disagree on --nocomp. */
  get compressionMismatch(): boolean {
    return this.closeReason !== null && isCompressionMismatch(this.closeReason);
  }

  private closeReason: string | null = null;

  private logClosed(dataPlaneReason: string | null): void {
    if (this.closeLogged) return;
    this.closeLogged = true;
    const why = dataPlaneReason ?? this.smuxError?.message ?? null;
    this.closeReason = why;
    if (this.quietClose) return;
    if (why !== null && isCompressionMismatch(why)) {
      this.logger.log(`session ${this.label} closed: snappy framing error from ${this.peer}: check --nocomp on both sides (${why})`);
      return;
    }
    this.logger.log(`session ${this.label} closed${why ? `: ${why}` : ''}`);
  }

  get streamCount(): number {
    return this.link.smux.streamCount;
  }

  /** Route `stream`'s events to `handler` from now on; a handler that has already finished is ignored. */
  attach(stream: SmuxStream, handler: StreamHandler): void {
    if (!handler.finished) this.handlers.set(stream, handler);
  }

  /** Stop routing `stream`'s events (its relay or handshake is done). */
  detach(stream: SmuxStream): void {
    this.handlers.delete(stream);
  }

  /** Relay `socket` ⇄ `stream` until both directions are done: a StreamPipe, attached while it runs. */
  relay(socket: Socket, stream: SmuxStream, o: RelayOptions = {}): StreamPipe {
    const done = this.carry(stream, 'tcp');
    const pipe = new StreamPipe(
      socket,
      stream,
      this.link,
      () => {
        this.detach(stream);
        done();
        o.onDone?.();
      },
      o.initial,
      o.rewrite,
      this.closeWait,
    );
    this.attach(stream, pipe);
    return pipe;
  }

  /** `stream` as a Node Duplex (the library API), attached while it runs. */
  duplex(stream: SmuxStream): StreamDuplex {
    const done = this.carry(stream, 'duplex');
    const duplex = new StreamDuplex(stream, this.link, () => {
      this.detach(stream);
      done();
    });
    this.attach(stream, duplex.events);
    this.link.schedule();
    return duplex;
  }

  /** Count a stream as carried and report it open; the returned function reports it closed. */
  private carry(stream: SmuxStream, kind: StreamInfo['kind']): () => void {
    const info: StreamInfo = { id: stream.id, session: this.info, kind };
    this.carried++;
    this.events('stream-open', info);
    let once = false;
    return () => {
      if (once) return;
      once = true;
      this.carried--;
      this.events('stream-close', info);
      if (this.carried === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
  }

  /** Streams relayed or handed out as a Duplex and not done yet. */
  get carriedStreams(): number {
    return this.carried;
  }

  /** Resolves once no carried stream is left (at once when there is none). */
  idle(): Promise<void> {
    if (this.carried === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Close every carried stream (FIN; a library Duplex is destroyed without an error); how many there were. */
  closeStreams(): number {
    const handlers = [...this.handlers.values()];
    for (const h of handlers) {
      if (h.stop) h.stop();
      else h.finish();
    }
    this.link.schedule();
    return handlers.length;
  }

  /** smux frames not yet on the ring to the shard. */
  get hasOutput(): boolean {
    return this.link.hasOutput;
  }

  onClose(cb: () => void): void {
    this.closedCallbacks.push(cb);
  }

  close(): void {
    this.link.close();
  }

  /** Graceful end: every stream gets its FIN, then the peer a reset (docs/protocol.md §3.10); close() still follows. */
  finish(): void {
    this.link.finish();
  }
}

/** The reason the data plane gives for a session the control thread closed. */
const DATA_PLANE_CLOSED_BY_CONTROL = 'closed by control';
/** How long the close line waits for the data plane's reason. */
const CLOSE_LINE_FALLBACK_MS = 2000;

/**
 * One side frames its stream with snappy and the other does not (--nocomp differs): our snappy
 * reader finds no stream identifier, or our smux reads the identifier chunk (type 0xff) as a
 * frame of version 255 (docs/protocol.md §5).
 */
export function isCompressionMismatch(reason: string): boolean {
  return reason.startsWith('snappy:') || /smux frame version 255\b/.test(reason);
}

export function randomConv(): number {
  return randomBytes(4).readUInt32LE(0);
}

/** kcptun's SIGUSR1 line (docs/protocol.md §7.6): Go's %+v of the Snmp struct, struct field order. */
export function snmpLine(snmp: Snmp, order: readonly string[]): string {
  const values = snmp.snapshot() as Record<string, number>;
  return `KCP SNMP:&{${order.map((k) => `${k}:${values[k]}`).join(' ')}}`;
}
