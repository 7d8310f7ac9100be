/**
 * `kcptunb server`: accepts KCP sessions on one UDP port and forwards every
 * smux stream to --target over TCP (dial timeout 5 s; on failure the stream is
 * just closed, as kcptunB does).
 */
import { DataPlane, nowMs, sessionKey, type AcceptedSession } from '@kcptunb/dataplane';
import { RealtimeDriver } from '@kcptunb/scheduler';
import type { SmuxStream } from '@kcptunb/smux';
import type { HostPort } from '../config/address.js';
import type { TunnelConfig } from '../config/tunnelConfig.js';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import type { Logger } from './logger.js';
import { inlineDataPlane, RING_BYTES, shardCount } from './settings.js';
import { DIAL_TIMEOUT_MS, dialTarget, resolveNamesWithFallbackDns } from './dial.js';
import { applyDnsFallback } from './dnsFallback.js';
import { startPprof } from './pprof.js';
import { FastServerProxy } from './proxyHandshakes.js';
import { StreamPipe } from './streamPipe.js';
import { TunnelSession } from './tunnel.js';

export class TunnelServer {
  readonly dataPlane: DataPlane;
  /** Runs the smux links of this server's sessions. */
  private readonly links = new RealtimeDriver(nowMs);
  private readonly sessions = new Map<string, TunnelSession>();
  /** Labels of sessions already gone on the control side, until the data plane confirms. */
  private readonly labels = new Map<string, string>();
  private readonly target: HostPort;
  readonly config: TunnelConfig;

  constructor(private readonly settings: TunnelSettings, private readonly logger: Logger) {
    this.config = settings.config;
    this.target = settings.remote;
    // Node < 22.12 cannot share a UDP port between threads (no reusePort): one shard owns the listener
    // sessions spread over every shard: through SO_REUSEPORT (Node ≥ 22.12) or forwarding from the listener shard
    this.dataPlane = DataPlane.start({ shards: shardCount(Infinity), inline: inlineDataPlane() });
    this.dataPlane.on('log', (line) => logger.log(line));
    this.dataPlane.on('accepted', (a: AcceptedSession) => this.onSession(a));
    this.dataPlane.on('closed', ({ shard, id, reason }) => {
      // the rings may already have told the smux side (and removed the session): log the reason anyway
      const key = sessionKey(shard, id);
      const s = this.sessions.get(key) ?? this.labels.get(key);
      this.logger.log(`session ${typeof s === 'string' ? s : (s?.label ?? key)} ended in the data plane: ${reason}`);
      if (s && typeof s !== 'string') s.close();
      this.labels.delete(key);
    });
  }

  private pprof: import('node:http').Server | undefined;

  async start(): Promise<{ address: string; port: number }> {
    resolveNamesWithFallbackDns(applyDnsFallback(this.settings.dns, this.logger));
    if (this.config.pprof) this.pprof = await startPprof(this.logger);
    const { host, port } = this.settings.listen;
    const a = await this.dataPlane.listen({ host, port, settings: this.settings.session, admission: this.settings.admission, ringBytes: RING_BYTES });
    this.logger.log(`listening on: ${a.address}:${a.port}`);
    return a;
  }

  private onSession(a: AcceptedSession): void {
    const key = sessionKey(a.shard, a.id);
    const session = new TunnelSession({
      shard: a.shard,
      id: a.id,
      label: a.remote,
      rings: a.rings,
      settings: this.settings,
      dataPlane: this.dataPlane,
      logger: this.logger,
      queue: this.links.queue,
      onAccepted: (s, stream) => this.onStream(s, stream),
    });
    this.sessions.set(key, session);
    session.onClose(() => {
      this.sessions.delete(key);
      this.rememberLabel(key, session.label);
    });
    this.logger.log(`remote address: ${a.remote} conv ${a.conv}`);
  }

  /**
   * Keep a closed session's label for the data plane's late 'closed' log line. A method, not an
   * inline closure: a timer created inside onSession would share its scope and keep the whole
   * session (and its 2 ring buffers) alive for the 10 s.
   */
  private rememberLabel(key: string, label: string): void {
    this.labels.set(key, label);
    setTimeout(() => this.labels.delete(key), 10_000).unref();
  }

  private onStream(session: TunnelSession, stream: SmuxStream): void {
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
        const pipe = new StreamPipe(socket, stream, session.link, (p) => {
          session.pipes.delete(p.stream);
          this.logger.stream(`stream closed in: ${session.label} (${stream.id}) out: ${this.config.remote}`);
        });
        if (!pipe.finished) session.pipes.set(stream, pipe);
      },
      (e: Error) => {
        // kcptunB: on failure the stream is just closed, no error bytes (docs/protocol.md §6.1)
        this.logger.log(`dial ${this.config.remote}: ${e.message}`);
        stream.close();
        session.link.schedule();
      },
    );
  }

  async stop(): Promise<void> {
    this.pprof?.close();
    for (const s of [...this.sessions.values()]) s.close();
    await this.dataPlane.stop();
    this.links.stop();
  }
}
