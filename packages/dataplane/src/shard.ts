/**
 * A data-plane shard: the piscina task that owns UDP sockets and KCP sessions
 * for its share of the tunnel. One task runs per worker thread for the life of
 * the process; it talks to the control thread through a MessagePort (control
 * messages) and per-session SharedArrayBuffer rings (payload bytes).
 *
 * Scheduling: datagrams are queued per session as they arrive and processed
 * as one batch per event-loop turn (setImmediate); a single timer fires at the
 * earliest KCP flush time of all sessions.
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { RingBuffer } from '@kcptunb/ring';
import { DatagramBatch, loadKernels, type Kernels } from '@kcptunb/wasm';
import { createDatagramCipher, PacketCrypt, CRYPT_HEADER_SIZE } from '@kcptunb/crypt';
import { S, Snmp } from '@kcptunb/snmp';
import { nowMs } from './clock.js';
import { convOfFirstDatagram } from './firstDatagram.js';
import type { FromShard, SessionRings, SessionSettings, ShardTask, ToShard } from './protocol.js';
import { ForwardedSessions, ForwardLink, type ForwardRings } from './forwarding.js';
import { ShardSession } from './shardSession.js';
import { applySocketOptions, bindSocket, socketType } from './udp.js';

class Shard {
  private readonly kernels: Kernels;
  private readonly snmp: Snmp;
  private readonly sessions = new Map<number, ShardSession>();
  /** Client sessions' own sockets. */
  private readonly sockets = new Map<number, Socket>();
  private listener: Listener | undefined;
  private forwarded: ForwardedSessions | undefined;
  private forwardSettings: SessionSettings | undefined;
  private readonly dirty = new Set<ShardSession>();
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(private readonly task: ShardTask) {
    this.kernels = loadKernels(task.kernelVariant ? { variant: task.kernelVariant } : {});
    this.snmp = new Snmp(task.snmp);
    task.port.on('message', (m: ToShard) => this.onMessage(m));
    this.post({ type: 'log', message: `shard ${task.shardId}: kernels ${this.kernels.variant}` });
  }

  post(m: FromShard): void {
    this.task.port.postMessage(m);
  }

  private onMessage(m: ToShard): void {
    switch (m.type) {
      case 'dial':
        void this.dial(m.id, m.host, m.port, m.conv, m.settings, m.rings);
        break;
      case 'listen':
        void this.listen(m.host, m.port, m.settings, m.maxSessions, m.ringBytes, m.reusePort, m.forwards ?? []);
        break;
      case 'serve-forwarded':
        this.serveForwarded(m.rings, m.settings);
        break;
      case 'adopt':
        this.adopt(m.id, m.conv, m.rings);
        break;
      case 'forget':
        this.listener?.forget(m.id);
        break;
      case 'close':
        this.closeSession(m.id, 'closed by control', false);
        break;
      case 'shutdown':
        this.shutdown();
        break;
    }
  }

  private async dial(id: number, host: string, port: number, conv: number, settings: SessionSettings, rings: SessionRings): Promise<void> {
    let socket: Socket;
    try {
      socket = await bindSocket(socketType(host), 0, undefined);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(port, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      this.post({ type: 'dial-failed', id, error: (e as Error).message });
      return;
    }
    applySocketOptions(socket, settings.socket, (line) => this.post({ type: 'log', message: line }));
    const session = this.createSession(id, conv, settings, rings, (d) => this.sendConnected(socket, d));
    this.sockets.set(id, socket);
    // a connected socket only receives from the server's address: kcptun's "first source" rule (spec §3.9)
    socket.on('message', (msg: Buffer) => this.receive(session, msg));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // a connected UDP socket reports ICMP port-unreachable as ECONNREFUSED (the server is not up
      // yet, or restarting); KCP retransmits, so this is not worth a log line
      if (e.code !== 'ECONNREFUSED') this.post({ type: 'log', message: `session ${id}: ${e.message}` });
    });
    this.snmp.values[S.ActiveOpens]!++;
    const a = socket.address();
    this.post({ type: 'dialed', id, local: `${a.address}:${a.port}` });
    this.markDirty(session);
  }

  private async listen(host: string, port: number, settings: SessionSettings, maxSessions: number, ringBytes: number, reusePort: boolean, forwards: Array<{ owner: number; rings: ForwardRings }>): Promise<void> {
    try {
      const socket = await bindSocket(host && host.includes(':') ? 'udp6' : 'udp4', port, host || undefined, reusePort);
      applySocketOptions(socket, settings.socket, (line) => this.post({ type: 'log', message: line }));
      this.listener = new Listener(this, socket, settings, maxSessions, ringBytes, forwards);
      const a = socket.address();
      this.post({ type: 'listening', address: a.address, port: a.port });
    } catch (e) {
      this.post({ type: 'listen-failed', error: (e as Error).message });
    }
  }

  /** This shard runs server sessions whose datagrams the listener shard forwards. */
  private serveForwarded(rings: ForwardRings, settings: SessionSettings): void {
    this.forwardSettings = settings;
    this.forwarded = new ForwardedSessions(
      rings,
      (id, datagram) => {
        const session = this.sessions.get(id);
        if (!session) return false;
        session.receive(datagram, nowMs());
        this.dirty.add(session);
        return true;
      },
      () => this.markAllDirty(),
    );
  }

  private adopt(id: number, conv: number, rings: SessionRings): void {
    const forwarded = this.forwarded;
    if (!forwarded || !this.forwardSettings) return;
    const session = this.createSession(id, conv, this.forwardSettings, rings, (d) => forwarded.transmit(id, d));
    session.replaceOnNewConv = true;
    this.snmp.values[S.PassiveOpens]!++;
    this.post({ type: 'log', message: `shard ${this.task.shardId}: running forwarded session ${id}` });
    for (const d of forwarded.takeEarly(id)) session.receive(d, nowMs());
    this.markDirty(session);
  }

  private markAllDirty(): void {
    if (this.dirty.size) this.immediate ??= setImmediate(() => this.runDirty());
  }

  createSession(id: number, conv: number, settings: SessionSettings, rings: SessionRings, transmit: (d: Uint8Array) => void): ShardSession {
    const session = new ShardSession(this.kernels, id, conv, settings, rings, transmit, this.snmp, () => this.markDirty(session));
    this.sessions.set(id, session);
    const v = this.snmp.values;
    v[S.CurrEstab]!++;
    if (v[S.CurrEstab]! > v[S.MaxConn]!) v[S.MaxConn] = v[S.CurrEstab]!;
    return session;
  }

  get kernelsInstance(): Kernels {
    return this.kernels;
  }

  get counters(): Snmp {
    return this.snmp;
  }

  get index(): number {
    return this.task.shardId;
  }

  receive(session: ShardSession, msg: Uint8Array): void {
    session.receive(msg, nowMs());
    this.markDirty(session);
  }

  private sendConnected(socket: Socket, datagram: Uint8Array): void {
    socket.send(Buffer.from(datagram));
  }

  markDirty(session: ShardSession): void {
    this.dirty.add(session);
    this.immediate ??= setImmediate(() => this.runDirty());
  }

  private runDirty(): void {
    this.immediate = undefined;
    const now = nowMs();
    for (const s of this.dirty) {
      s.run(now);
      if (s.closed) this.closeSession(s.id, s.closeReason, true);
    }
    this.dirty.clear();
    this.schedule(now);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = nowMs();
    for (const s of this.sessions.values()) {
      if (s.msUntilDue(now) === 0) this.dirty.add(s);
    }
    this.runDirty();
  }

  private schedule(now: number): void {
    let due = Infinity;
    for (const s of this.sessions.values()) due = Math.min(due, s.msUntilDue(now));
    if (due === Infinity || this.stopped) return;
    const at = now + due;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, due));
  }

  closeSession(id: number, reason: string, notify: boolean): void {
    const s = this.sessions.get(id);
    if (!s) return;
    s.close(reason);
    this.sessions.delete(id);
    this.dirty.delete(s);
    this.snmp.values[S.CurrEstab]!--;
    const socket = this.sockets.get(id);
    if (socket) {
      socket.close();
      this.sockets.delete(id);
    }
    this.listener?.forget(id);
    if (notify) this.post({ type: 'closed', id, reason });
  }

  private shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const id of [...this.sessions.keys()]) this.closeSession(id, 'shutdown', false);
    this.listener?.close();
    this.forwarded?.close();
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.task.port.close();
    this.resolveDone();
  }
}

/**
 * The server's UDP socket: sessions keyed by remote address, created only from
 * a datagram that decrypts, passes its CRC and carries a readable conv.
 */
/** Where the listener sends a known address's datagrams. */
type Route = { id: number; session: ShardSession; link?: undefined } | { id: number; session?: undefined; link: ForwardLink };

class Listener {
  private readonly byAddress = new Map<string, Route>();
  private readonly addressOf = new Map<number, { key: string; port: number; address: string }>();
  private readonly links: ForwardLink[];
  /** Round-robin over this shard (index 0) and the forward links. */
  private nextOwner = 0;
  private readonly probe: PacketCrypt;
  private readonly probeBatch: DatagramBatch;
  private nextId: number;

  constructor(
    private readonly shard: Shard,
    private readonly socket: Socket,
    private readonly settings: SessionSettings,
    private readonly maxSessions: number,
    private readonly ringBytes: number,
    forwards: Array<{ owner: number; rings: ForwardRings }>,
  ) {
    const kernels = shard.kernelsInstance;
    this.links = forwards.map((f) => new ForwardLink(f.owner, f.rings, (id, d) => this.sendTo(id, d)));
    this.probe = new PacketCrypt(kernels, createDatagramCipher(kernels, settings.crypt.method, settings.crypt.key), { snmp: shard.counters, minLength: CRYPT_HEADER_SIZE + 24 }, 1);
    this.probeBatch = new DatagramBatch(kernels, 1);
    // ids are per shard; the host names sessions by (shard, id)
    this.nextId = 1;
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onDatagram(msg, rinfo));
    socket.on('error', (e) => shard.post({ type: 'log', message: `listener: ${e.message}` }));
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    const known = this.byAddress.get(key);
    if (known) {
      if (known.session) this.shard.receive(known.session, msg);
      else known.link.forward(known.id, msg);
      return;
    }
    const values = this.shard.counters.values;
    if (msg.length > this.probeBatch.stride) {
      values[S.InErrs]!++;
      return;
    }
    // decrypt a copy to decide whether this address may open a session
    this.probeBatch.clear();
    this.probeBatch.push(msg);
    const ok = this.probe.open(this.probeBatch);
    if (!ok[0]) return; // counted by PacketCrypt
    const conv = convOfFirstDatagram(this.probeBatch.view(0).subarray(CRYPT_HEADER_SIZE));
    if (conv === undefined || this.byAddress.size >= this.maxSessions) {
      values[S.InErrs]!++;
      return;
    }
    const id = this.nextId++;
    const rings: SessionRings = { toShard: RingBuffer.create(this.ringBytes), toControl: RingBuffer.create(this.ringBytes) };
    this.addressOf.set(id, { key, port: rinfo.port, address: rinfo.address });
    const slot = this.nextOwner;
    this.nextOwner = (this.nextOwner + 1) % (this.links.length + 1);
    if (slot === 0) {
      const session = this.shard.createSession(id, conv, this.settings, rings, (d) => this.sendTo(id, d));
      session.replaceOnNewConv = true;
      this.byAddress.set(key, { id, session });
      values[S.PassiveOpens]!++;
      this.shard.post({ type: 'accepted', id, remote: key, conv, rings, owner: this.shard.index });
      this.shard.receive(session, msg);
    } else {
      const link = this.links[slot - 1]!;
      this.byAddress.set(key, { id, link });
      this.shard.post({ type: 'accepted', id, remote: key, conv, rings, owner: link.owner });
      link.forward(id, msg);
    }
  }

  private sendTo(id: number, datagram: Uint8Array): void {
    const to = this.addressOf.get(id);
    if (to) this.socket.send(Buffer.from(datagram), to.port, to.address);
  }

  forget(id: number): void {
    const to = this.addressOf.get(id);
    if (to === undefined) return;
    this.addressOf.delete(id);
    this.byAddress.delete(to.key);
  }

  close(): void {
    for (const l of this.links) l.close();
    this.socket.close();
    this.probe.dispose();
    this.probeBatch.dispose();
  }
}

/** The piscina task: runs until the control thread sends `shutdown`. */
export default async function runShard(task: ShardTask): Promise<void> {
  const shard = new Shard(task);
  await shard.done;
}
