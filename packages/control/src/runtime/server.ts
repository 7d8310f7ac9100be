/**
 * `kcptunb server`: accepts KCP sessions on one UDP port and forwards every
 * smux stream to --target over TCP (dial timeout 5 s; on failure the stream is
 * just closed, as kcptunB does).
 */
import { DataPlane, LINGER_MS, nowMs, sessionKey, type AcceptedSession } from '@kcptunb/dataplane';
import type { SmuxStream } from '@kcptunb/smux';
import { bracketHostPort, formatAddress, type HostPort } from '../config/address.js';
import type { TunnelConfig } from '../config/tunnelConfig.js';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import type { Logger } from './logger.js';
import { inlineDataPlane, RING_BYTES, shardCount } from './settings.js';
import { DIAL_TIMEOUT_MS, dialTarget, resolveNamesWithFallbackDns } from './dial.js';
import { applyDnsFallback } from './dnsFallback.js';
import { FastServerProxy } from './proxyHandshakes.js';
import { TunnelSession } from './tunnel.js';
import { startSnmpHints } from './snmpHints.js';
import { collectStats, streamsIn, type TunnelStats } from './stats.js';
import { startObservers, type Observers } from '../observe/index.js';
import { drainSessions, finishSessions } from './drain.js';
import type { StreamDuplex } from './streamDuplex.js';
import { NO_EVENTS, type StreamInfo, type TunnelEventSink } from './tunnelEvents.js';
import { linkDriver } from './linkDriver.js';

/** The library's alternative to --target: every stream a client opens, as a Duplex. */
export type StreamHandlerFn = (stream: StreamDuplex, info: StreamInfo) => void;

export interface TunnelServerOptions {
  /** Hand each stream to this function instead of dialling --target. */
  handler?: StreamHandlerFn;
  events?: TunnelEventSink;
}

/** Client addresses remembered for the `--nocomp` mismatch hint (oldest forgotten first). */
const MAX_REMEMBERED_MISMATCHES = 1024;

export class TunnelServer {
  readonly dataPlane: DataPlane;
  /** Runs the smux links of this server's sessions. */
  private readonly links = linkDriver((line) => this.logger.log(line), () => this.dataPlane.controlSnmp);
  private readonly sessions = new Map<string, TunnelSession>();
  /** Sessions already gone on the control side, until the data plane confirms (it gives the reason). */
  private readonly ended = new Map<string, TunnelSession>();
  /**
   * `address conv` of client sessions that failed on --nocomp: a client retransmits, and every
   * retransmission re-creates the session, so later ones close silently (one hint per client session).
   */
  private readonly compressionMismatches = new Set<string>();
  private stopHints: (() => void) | undefined;
  /** Each session's client (`address conv N`). */
  private readonly clients = new WeakMap<TunnelSession, string>();
  private readonly target: HostPort;
  readonly config: TunnelConfig;
  private readonly handler: StreamHandlerFn | undefined;
  private readonly events: TunnelEventSink;
  private stopping = false;

  constructor(private readonly settings: TunnelSettings, private readonly logger: Logger, o: TunnelServerOptions = {}) {
    this.handler = o.handler;
    this.events = o.events ?? NO_EVENTS;
    this.config = settings.config;
    this.target = settings.remote;
    // Node < 22.12 cannot share a UDP port between threads (no reusePort): one shard owns the listener
    // sessions spread over every shard: through SO_REUSEPORT (Node ≥ 22.12) or forwarding from the listener shard
    this.dataPlane = DataPlane.start({ shards: shardCount(Infinity), inline: inlineDataPlane() });
    this.dataPlane.on('log', (line) => logger.log(line));
    this.dataPlane.on('accepted', (a: AcceptedSession) => this.onSession(a));
    this.dataPlane.on('closed', ({ shard, id, reason }) => {
      // the rings may already have told the smux side (and removed the session): the reason still goes in its close line
      const key = sessionKey(shard, id);
      const s = this.sessions.get(key) ?? this.ended.get(key);
      if (!s) return this.logger.log(`session ${key} ended in the data plane: ${reason}`);
      s.dataPlaneClosed(reason);
      s.close();
      this.ended.delete(key);
      const client = this.clients.get(s);
      if (client !== undefined && s.compressionMismatch) {
        if (this.compressionMismatches.size >= MAX_REMEMBERED_MISMATCHES) this.compressionMismatches.delete(this.compressionMismatches.values().next().value!);
        this.compressionMismatches.add(client);
      }
    });
  }

  private pprof: import('node:http').Server | undefined;
  /** --metrics and --dashboard. */
  private observers: Observers | undefined;

  async start(): Promise<{ address: string; port: number }> {
    resolveNamesWithFallbackDns(applyDnsFallback(this.settings.dns, this.logger));
    if (this.settings.pprof) this.pprof = await (await import('./pprof.js')).startPprof(this.logger, this.settings.pprof);
    const { host, port, lastPort } = this.settings.listen;
    const a = await this.dataPlane.listen({ host, port, lastPort, settings: this.settings.session, admission: this.settings.admission, ringBytes: RING_BYTES });
    this.logger.log(`listening on: ${formatAddress({ host: a.address, port: a.port, lastPort })}`);
    this.stopHints = startSnmpHints({ side: 'server' }, () => this.dataPlane.snmp(), this.logger);
    this.observers = await startObservers(this.settings, () => this.stats(), this.logger);
    return a;
  }

  private onSession(a: AcceptedSession): void {
    const key = sessionKey(a.shard, a.id);
    const remote = bracketHostPort(a.remote);
    const client = `${remote} conv ${a.conv}`;
    const repeat = this.compressionMismatches.has(client);
    const session = new TunnelSession({
      shard: a.shard,
      id: a.id,
      label: remote,
      peer: remote,
      conv: a.conv,
      events: this.events,
      quietClose: repeat,
      rings: a.rings,
      settings: this.settings,
      dataPlane: this.dataPlane,
      logger: this.logger,
      queue: this.links.queue,
      closeWaitMs: this.config.closeWait * 1000,
      onAccepted: (s, stream) => this.onStream(s, stream),
    });
    this.sessions.set(key, session);
    this.clients.set(session, client);
    session.onClose(() => {
      this.sessions.delete(key);
      this.rememberEnded(key, session);
    });
    if (!repeat) this.logger.log(`remote address: ${client}`);
    this.events('session-open', session.info);
    if (this.stopping) session.close();
  }

  /** The sessions open now (for stats). */
  liveSessions(): TunnelSession[] {
    return [...this.sessions.values()].filter((s) => !s.closed);
  }

  /**
   * Keep a closed session for the data plane's late 'closed' answer (it writes the close line).
   * A method, not an inline closure: a timer created inside onSession would share its scope (the
   * accepted session's rings among it) for the 10 s; the session itself let go of its rings when
   * its link ended.
   */
  private rememberEnded(key: string, session: TunnelSession): void {
    this.ended.set(key, session);
    setTimeout(() => this.ended.delete(key), 10_000).unref();
  }

  private onStream(session: TunnelSession, stream: SmuxStream): void {
    if (this.stopping) {
      stream.close();
      session.link.schedule();
      return;
    }
    if (this.handler) {
      const duplex = session.duplex(stream);
      try {
        this.handler(duplex, { id: stream.id, session: session.info, kind: 'duplex' });
      } catch (e) {
        this.logger.log(`stream handler: ${(e as Error).message}`);
        duplex.destroy();
      }
      return;
    }
    if (this.config.ser === 'fast') {
      new FastServerProxy(stream, session, this.logger, this.config.tfo);
      return;
    }
    dialTarget(this.target.host, this.target.port, this.config.tfo, DIAL_TIMEOUT_MS, this.logger).then(
      (socket) => {
        if (stream.closed) {
          socket.destroy();
          return;
        }
        this.logger.stream(`stream opened in: ${session.label} (${stream.id}) out: ${this.config.remote}`);
        session.relay(socket, stream, { onDone: () => this.logger.stream(`stream closed in: ${session.label} (${stream.id}) out: ${this.config.remote}`) });
      },
      (e: Error) => {
        // kcptunB: on failure the stream is just closed, no error bytes (docs/protocol.md §6.1)
        this.logger.log(`dial ${this.config.remote}: ${e.message}`);
        stream.close();
        session.link.schedule();
      },
    );
  }

  /** The tunnel's figures now: SNMP per process and shard, every session's KCP figures and streams. */
  stats(): Promise<TunnelStats> {
    return collectStats({ side: 'server', dataPlane: this.dataPlane, openStreams: streamsIn(this.sessions) });
  }

  /** Refuse new sessions and streams, give open streams up to `drainMs` to end, close the rest (FIN), reset every session, then everything. */
  async stop(drainMs = 0): Promise<void> {
    this.stopping = true;
    this.stopHints?.();
    this.pprof?.close();
    this.observers?.close();
    await drainSessions(this.liveSessions(), drainMs);
    await finishSessions([...this.sessions.values()], LINGER_MS + 500);
    for (const s of [...this.sessions.values()]) s.close();
    await this.dataPlane.stop();
    this.links.stop();
  }
}
