/**
 * `kcptunb client`: accepts TCP connections and carries each as one smux
 * stream over one of `--conn` KCP sessions, chosen round-robin (docs/protocol.md §7.4).
 * A closed or expired session is replaced when a connection lands on its slot;
 * replaced sessions are scavenged once idle of streams or after --scavengettl.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { DataPlane } from '@kcptunb/dataplane';
import { LINGER_MS, nowMs, sessionKey } from '@kcptunb/dataplane';
import { enableTcpFastOpenListen } from '@kcptunb/sockopt';
import { bracketHostPort, formatAddress, socketAddress, type HostPort } from '../config/address.js';
import type { TunnelConfig } from '../config/tunnelConfig.js';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import type { Logger } from './logger.js';
import { inlineDataPlane, RING_BYTES, shardCount } from './settings.js';
import { ClientProxy } from './proxyHandshakes.js';
import { lookupRemote } from './lookupRemote.js';
import { startSnmpHints } from './snmpHints.js';
import { randomConv, TunnelSession } from './tunnel.js';
import { collectStats, streamsIn, type TunnelStats } from './stats.js';
import { startObservers, type Observers } from '../observe/index.js';
import { drainSessions, finishSessions } from './drain.js';
import type { StreamDuplex } from './streamDuplex.js';
import { NO_EVENTS, type TunnelEventSink } from './tunnelEvents.js';
import { linkDriver } from './linkDriver.js';

export interface TunnelClientOptions {
  /** Accept TCP connections on the settings' listen address (false: streams come from openStream only). */
  listen?: boolean;
  events?: TunnelEventSink;
}

/** openStream on a client that is closing or closed. */
export class ClientClosedError extends Error {
  readonly code = 'ERR_KCPTUNB_CLIENT_CLOSED';
  constructor() {
    super('the client is closed');
    this.name = 'ClientClosedError';
  }
}

interface Slot {
  session: TunnelSession | undefined;
  opening: Promise<TunnelSession> | undefined;
  expiresAt: number;
}

export class TunnelClient {
  readonly dataPlane: DataPlane;
  /** Runs the smux links of this client's sessions. */
  private readonly links = linkDriver((line) => this.logger.log(line), () => this.dataPlane.controlSnmp);
  private readonly settings;
  private readonly slots: Slot[];
  private readonly expired = new Map<TunnelSession, number>();
  private server: Server | undefined;
  private rr = 0;
  private nextId = 1;
  private scavenger: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Settles at the first failed session attempt (start() then listens anyway). */
  private readonly firstFailure = settleOnce();
  readonly remote: HostPort;
  readonly config: TunnelConfig;
  /** The server's address as log lines show it. */
  private readonly peer: string;
  /** Every session by its data-plane key, until 10 s after it closed (the data plane's reason may come late). */
  private readonly sessions = new Map<string, TunnelSession>();
  private stopHints: (() => void) | undefined;
  /** --metrics and --dashboard. */
  private observers: Observers | undefined;
  /** Upstream's client --pprof (kcptun dialect). */
  private pprof: import('node:http').Server | undefined;
  private readonly events: TunnelEventSink;
  private readonly listens: boolean;

  constructor(private readonly tunnel: TunnelSettings, private readonly logger: Logger, o: TunnelClientOptions = {}) {
    this.events = o.events ?? NO_EVENTS;
    this.listens = o.listen ?? true;
    const config = (this.config = tunnel.config);
    this.settings = tunnel.session;
    this.remote = tunnel.remote;
    this.peer = formatAddress(tunnel.remote);
    this.dataPlane = DataPlane.start({ shards: shardCount(config.conn), inline: inlineDataPlane() });
    this.dataPlane.on('log', (line) => logger.log(line));
    this.dataPlane.on('closed', ({ shard, id, reason }) => this.sessions.get(sessionKey(shard, id))?.dataPlaneClosed(reason));
    this.slots = Array.from({ length: config.conn }, () => ({ session: undefined, opening: undefined, expiresAt: Infinity }));
  }

  /**
   * Open every session (kcptunB opens all --conn sessions at start), then listen for TCP (unless
   * told not to): a port that accepts can carry a request at once, instead of holding the first
   * connections while the data plane's workers boot. A remote name that does not resolve yet
   * does not keep the port closed: the listener opens after the first failed attempt.
   */
  async start(): Promise<{ address: string; port: number } | null> {
    if (this.tunnel.pprof) this.pprof = await (await import('./pprof.js')).startPprof(this.logger, this.tunnel.pprof);
    const opened = Promise.all(this.slots.map((_, i) => this.ensure(i)));
    await Promise.race([opened, this.firstFailure.promise]);
    const a = this.listens ? await this.listenTcp() : null;
    this.stopHints = startSnmpHints({ side: 'client', server: this.peer }, () => this.dataPlane.snmp(), this.logger);
    await opened;
    this.observers = await startObservers(this.tunnel, () => this.stats(), this.logger);
    this.scavenger = setInterval(() => this.scavenge(), 1000);
    this.scavenger.unref();
    return a;
  }

  private async listenTcp(): Promise<{ address: string; port: number }> {
    const { host, port } = this.tunnel.listen;
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host || undefined, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', (e) => this.logger.log(`listener: ${e.message}`));
    if (this.config.tfo) {
      const r = enableTcpFastOpenListen(this.server);
      // UNSUPPORTED (no addon) was said once at start-up (cli.ts)
      if (!r.ok && r.error.code !== 'UNSUPPORTED') this.logger.log(`tfo: TCP_FASTOPEN not set on the listener (${r.error.message})`);
    }
    const a = this.server.address() as { address: string; port: number };
    this.logger.log(`listening on: ${formatAddress({ host: a.address, port: a.port })}`);
    return a;
  }

  /** A stream to the server on the next session (round-robin, as TCP connections are), as a Duplex. */
  async openStream(): Promise<StreamDuplex> {
    if (this.stopping) throw new ClientClosedError();
    const session = await this.ensure(this.nextSlot());
    if (this.stopping) throw new ClientClosedError();
    const stream = session.link.smux.openStream();
    return session.duplex(stream);
  }

  /** The sessions open now (for stats). */
  liveSessions(): TunnelSession[] {
    const live = new Set<TunnelSession>();
    for (const slot of this.slots) if (slot.session && !slot.session.closed) live.add(slot.session);
    for (const s of this.expired.keys()) if (!s.closed) live.add(s);
    return [...live];
  }

  private nextSlot(): number {
    const i = this.rr % this.slots.length;
    this.rr = (this.rr + 1) & 0xffff;
    return i;
  }

  /** The live session of slot `i`, replacing a closed or expired one (retrying every second). */
  private ensure(i: number): Promise<TunnelSession> {
    const slot = this.slots[i]!;
    const s = slot.session;
    const expired = this.config.autoExpire > 0 && Date.now() >= slot.expiresAt;
    if (s && !s.closed && !expired) return Promise.resolve(s);
    if (slot.opening) return slot.opening;
    if (s && !s.closed && expired) {
      this.expired.set(s, Date.now());
      this.logger.log(`session ${s.label} marked as expired`);
    }
    slot.session = undefined;
    slot.opening = this.open(i).finally(() => (slot.opening = undefined));
    return slot.opening;
  }

  private async open(i: number): Promise<TunnelSession> {
    const slot = this.slots[i]!;
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) throw new Error('client stopping');
      const id = this.nextId++;
      const shard = i % this.dataPlane.shardCount;
      try {
        // resolved here, on every attempt: a name that does not resolve (yet) is named and retried
        const host = await lookupRemote(this.remote.host);
        // a port range: each session (and each re-dial) a random port of it, as kcptun (docs/protocol.md §7.13)
        const port = this.remote.lastPort === undefined ? this.remote.port : randomInt(this.remote.port, this.remote.lastPort + 1);
        const conv = randomConv();
        const dialed = await this.dataPlane.dial({ shard, id, host, port, conv, settings: this.settings, ringBytes: RING_BYTES });
        const label = `${bracketHostPort(dialed.local)} -> ${formatAddress({ host: this.remote.host, port })}`;
        const session = new TunnelSession({ shard, id, label, peer: this.peer, rings: dialed.rings, settings: this.tunnel, dataPlane: this.dataPlane, logger: this.logger, queue: this.links.queue, closeWaitMs: this.config.closeWait * 1000, conv, events: this.events });
        const key = sessionKey(shard, id);
        this.sessions.set(key, session);
        session.onClose(() => setTimeout(() => this.sessions.delete(key), 10_000).unref());
        session.onClose(() => this.replaceClosed(i, session));
        this.logger.log(`connection: ${label}`);
        this.events('session-open', session.info);
        slot.session = session;
        slot.expiresAt = this.config.autoExpire > 0 ? Date.now() + this.config.autoExpire * 1000 : Infinity;
        return session;
      } catch (e) {
        this.firstFailure.resolve();
        // every second, but logged after 1, 2, 4, 8 … failures: a long outage stays a few lines
        if ((attempt & (attempt + 1)) === 0) this.logger.log(`re-connecting: ${(e as Error).message}${attempt > 0 ? ` (attempt ${attempt + 1})` : ''}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /**
   * A slot's session ended by itself (a reset, a silent peer, an error): dial its replacement now,
   * not at the next connection, as kcptunB keeps every --conn session open (docs/protocol.md
   * §3.10). At most one replacement per second per slot.
   */
  private replaceClosed(i: number, session: TunnelSession): void {
    if (this.stopping || this.slots[i]!.session !== session) return;
    const wait = Math.max(0, 1000 - (Date.now() - session.createdAt));
    setTimeout(() => {
      if (!this.stopping) this.ensure(i).catch(() => {});
    }, wait).unref();
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const i = this.nextSlot();
    socket.on('error', () => {});
    void this.ensure(i).then(
      (session) => this.attach(session, socket),
      () => socket.destroy(),
    );
  }

  private attach(session: TunnelSession, socket: Socket): void {
    if (socket.destroyed) return;
    const ser = this.config.ser;
    if (ser === 'socks5' || ser === 'http') {
      new ClientProxy(ser, socket, session, this.logger, () => {});
      return;
    }
    let stream;
    try {
      stream = session.link.smux.openStream();
    } catch (e) {
      this.logger.log(`open stream: ${(e as Error).message}`);
      socket.destroy();
      return;
    }
    const streamLabel = `in: ${socketAddress(socket.remoteAddress, socket.remotePort)} out: ${session.label} (${stream.id})`;
    this.logger.stream(`stream opened ${streamLabel}`);
    session.relay(socket, stream, { onDone: () => this.logger.stream(`stream closed ${streamLabel}`) });
    socket.resume();
    session.link.schedule();
  }

  /** kcptunB's scavenger: close replaced sessions once idle of streams, or after --scavengettl seconds. */
  private scavenge(): void {
    const now = Date.now();
    for (const [s, since] of this.expired) {
      if (s.closed || s.streamCount === 0) {
        this.logger.log('session normally closed');
        s.close();
        this.expired.delete(s);
      } else if (this.config.scavengeTtl >= 0 && now - since >= this.config.scavengeTtl * 1000) {
        this.logger.log('session reached scavenge ttl');
        s.close();
        this.expired.delete(s);
      }
    }
  }

  /** The tunnel's figures now: SNMP per process and shard, every session's KCP figures and streams. */
  stats(): Promise<TunnelStats> {
    return collectStats({ side: 'client', dataPlane: this.dataPlane, openStreams: streamsIn(this.sessions) });
  }

  /**
   * Stop accepting (TCP and openStream), give open streams up to `drainMs` to end, close the rest
   * with FIN, tell the server (a reset per session: docs/protocol.md §3.10), stop the data plane.
   */
  async stop(drainMs = 0): Promise<void> {
    this.stopping = true;
    this.stopHints?.();
    this.observers?.close();
    this.pprof?.close();
    if (this.scavenger) clearInterval(this.scavenger);
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await drainSessions(this.liveSessions(), drainMs);
    await finishSessions(this.liveSessions(), LINGER_MS + 500);
    for (const slot of this.slots) slot.session?.close();
    for (const s of this.expired.keys()) s.close();
    await closed;
    await this.dataPlane.stop();
    this.links.stop();
  }
}

function settleOnce(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
