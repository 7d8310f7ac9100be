/**
 * A data-plane shard: the piscina task that owns UDP sockets and KCP sessions for its share of
 * the tunnel. One task runs per worker thread for the life of the process; it talks to the
 * control thread through a MessagePort (control messages, `protocol.ts`) and per-session
 * SharedArrayBuffer rings (payload bytes). This file only routes messages; the parts are:
 *
 *   RealtimeDriver   runs the sessions' RunQueue (setImmediate turns, one timer, ring doorbells)
 *   SessionRegistry  the sessions: creation, SNMP counts, retirement
 *   dialSession      client sessions, one connected UDP socket each
 *   Listener         the server socket: admission and demultiplexing by address
 *   ForwardedSessions server sessions whose datagrams the listener shard forwards (Node < 22.12)
 */
import { loadKernels, type DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { S, Snmp } from '@kcptunb/snmp';
import { announceAes } from '@kcptunb/aesni';
import { performance } from 'node:perf_hooks';
import { nowMs } from './clock.js';
import { dialSession } from './dialer.js';
import { ForwardedSessions, type ForwardRings } from './forwarding.js';
import { Listener } from './listener.js';
import type { FromShard, ListenRequest, SessionRings, SessionSettings, ShardTask, ToShard } from './protocol.js';
import { SessionRegistry } from './sessionRegistry.js';
import type { ShardSession } from './shardSession.js';
import { RealtimeDriver, reportMissedWakeups } from '@kcptunb/scheduler';

class Shard {
  private readonly kernels: Kernels;
  private readonly snmp: Snmp;
  private readonly sessions: SessionRegistry;
  /** Runs the sessions: setImmediate turns, one timer, ring doorbells. */
  private readonly driver: RealtimeDriver<ShardSession>;
  private listener: Listener | undefined;
  private forwarded: { sessions: ForwardedSessions; settings: SessionSettings } | undefined;
  private stopped = false;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(private readonly task: ShardTask) {
    this.kernels = loadKernels(task.kernelVariant ? { variant: task.kernelVariant } : {});
    this.snmp = new Snmp(task.snmp);
    const driver = new RealtimeDriver<ShardSession>(nowMs, (ran) => this.sessions.retireClosed(ran), {
      onMissedWakeup: reportMissedWakeups(`shard ${task.shardId}`, () => ++this.snmp.values[S.MissedWakeups]!, (message) => this.post({ type: 'log', message })),
    });
    this.driver = driver;
    this.sessions = new SessionRegistry(this.kernels, this.snmp, driver.queue, this.post);
    task.port.on('message', (m: ToShard) => this.onMessage(m));
    this.post({ type: 'log', message: `shard ${task.shardId}: kernels ${this.kernels.variant}` });
    announceAes((message) => this.post({ type: 'log', message }));
  }

  private readonly post = (m: FromShard): void => {
    this.task.port.postMessage(m);
  };

  private onMessage(m: ToShard): void {
    switch (m.type) {
      case 'dial':
        void dialSession(m, { kernels: this.kernels, snmp: this.snmp, sessions: this.sessions, clock: nowMs, post: this.post });
        break;
      case 'listen':
        void this.listen(m);
        break;
      case 'serve-forwarded':
        this.serveForwarded(m.rings, m.settings);
        break;
      case 'adopt':
        this.adopt(m.id, m.conv, m.rings, m.remote);
        break;
      case 'forget':
        this.listener?.forget(m.id);
        break;
      case 'close':
        this.sessions.close(m.id, 'closed by control', false);
        break;
      case 'stats':
        this.post({ type: 'stats', request: m.request, sessions: this.sessions.figures(this.task.shardId), eventLoop: eventLoopFigures() });
        break;
      case 'shutdown':
        this.shutdown();
        break;
    }
  }

  private async listen(request: ListenRequest): Promise<void> {
    try {
      const context = { shardId: this.task.shardId, kernels: this.kernels, snmp: this.snmp, sessions: this.sessions, clock: nowMs, post: this.post };
      this.listener = await Listener.open(context, request);
      const a = this.listener.local;
      this.post({ type: 'listening', address: a.address, port: a.port });
    } catch (e) {
      this.post({ type: 'listen-failed', error: (e as Error).message });
    }
  }

  /** This shard runs server sessions whose datagrams the listener shard forwards. */
  private serveForwarded(rings: ForwardRings, settings: SessionSettings): void {
    const sessions = new ForwardedSessions(rings, (id, datagram) => {
      const session = this.sessions.get(id);
      if (!session) return false;
      this.sessions.deliver(session, datagram, nowMs());
      return true;
    }, this.snmp);
    this.forwarded = { sessions, settings };
  }

  private adopt(id: number, conv: number, rings: SessionRings, remote: string): void {
    const forwarded = this.forwarded;
    if (!forwarded) return;
    const transmit = (batch: DatagramBatch) => {
      for (let i = 0; i < batch.count; i++) forwarded.sessions.transmit(id, batch.view(i));
    };
    const session = this.sessions.open({ id, conv, settings: forwarded.settings, rings, transmit, passive: true, remote });
    this.post({ type: 'log', message: `shard ${this.task.shardId}: running forwarded session ${id}` });
    const now = nowMs();
    for (const d of forwarded.sessions.takeEarly(id)) this.sessions.deliver(session, d, now);
  }

  private shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sessions.closeAll('shutdown');
    this.driver.stop();
    this.listener?.close();
    this.forwarded?.sessions.close();
    this.task.port.close();
    this.resolveDone();
  }
}

/** This thread's event-loop busy and idle time (inline: the control thread's, which it shares). */
function eventLoopFigures(): { activeMs: number; idleMs: number } {
  const u = performance.eventLoopUtilization();
  return { activeMs: u.active, idleMs: u.idle };
}

/** The piscina task: runs until the control thread sends `shutdown`. */
export default async function runShard(task: ShardTask): Promise<void> {
  const shard = new Shard(task);
  await shard.done;
}
