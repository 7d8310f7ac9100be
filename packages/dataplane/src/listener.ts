/**
 * The server's UDP socket and its demultiplexer: sessions keyed by remote address, created only
 * from a datagram that decrypts, passes its CRC and carries a readable conv (docs/protocol.md
 * §3.9). New sessions go round-robin to this shard or, through forwarding links, to the others.
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { RingBuffer } from '@kcptunb/ring';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { createDatagramCipher, cryptOverhead, PacketCrypt } from '@kcptunb/crypt';
import { KCP_OVERHEAD } from '@kcptunb/kcp';
import { S, type Snmp } from '@kcptunb/snmp';
import { convOfFirstDatagram } from './firstDatagram.js';
import { ForwardLink } from './forwarding.js';
import type { FromShard, ListenRequest, SessionRings } from './protocol.js';
import type { SessionRegistry } from './sessionRegistry.js';
import type { ShardSession } from './shardSession.js';

/** What the listener uses of its shard. */
export interface ListenerContext {
  shardId: number;
  kernels: Kernels;
  snmp: Snmp;
  sessions: SessionRegistry;
  clock: () => number;
  post: (message: FromShard) => void;
}

/** Where the listener sends a known address's datagrams. */
type Route = { id: number; session: ShardSession; link?: undefined } | { id: number; session?: undefined; link: ForwardLink };

export class Listener {
  private readonly byAddress = new Map<string, Route>();
  private readonly addressOf = new Map<number, { key: string; port: number; address: string }>();
  private readonly links: ForwardLink[];
  /** Round-robin over this shard (index 0) and the forward links. */
  private nextOwner = 0;
  private readonly probe: PacketCrypt;
  private readonly probeBatch: DatagramBatch;
  /** Session ids are per shard; the host names sessions by (shard, id). */
  private nextId = 1;

  constructor(
    private readonly context: ListenerContext,
    private readonly socket: Socket,
    private readonly request: ListenRequest,
  ) {
    const { kernels, snmp } = context;
    const { settings } = request;
    this.links = (request.forwards ?? []).map((f) => new ForwardLink(f.owner, f.rings, (id, d) => this.sendTo(id, d), snmp));
    const probeCipher = createDatagramCipher(kernels, settings.crypt.method, settings.crypt.key);
    this.probe = new PacketCrypt(kernels, probeCipher, { snmp, minLength: cryptOverhead(probeCipher.layout) + KCP_OVERHEAD }, 1);
    this.probeBatch = new DatagramBatch(kernels, 1);
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onDatagram(msg, rinfo));
    socket.on('error', (e) => context.post({ type: 'log', message: `listener: ${e.message}` }));
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    const known = this.byAddress.get(key);
    if (known) {
      if (known.session) this.context.sessions.deliver(known.session, msg, this.context.clock());
      else known.link.forward(known.id, msg);
      return;
    }
    const conv = this.admit(msg);
    if (conv === undefined) return;
    const id = this.nextId++;
    const rings: SessionRings = { toShard: RingBuffer.create(this.request.ringBytes), toControl: RingBuffer.create(this.request.ringBytes) };
    this.addressOf.set(id, { key, port: rinfo.port, address: rinfo.address });
    const slot = this.nextOwner;
    this.nextOwner = (this.nextOwner + 1) % (this.links.length + 1);
    const { post, sessions, shardId } = this.context;
    if (slot === 0) {
      const session = sessions.open({ id, conv, settings: this.request.settings, rings, transmit: (batch) => this.sendBatch(id, batch), passive: true, retire: () => this.forget(id) });
      this.byAddress.set(key, { id, session });
      post({ type: 'accepted', id, remote: key, conv, rings, owner: shardId });
      sessions.deliver(session, msg, this.context.clock());
    } else {
      const link = this.links[slot - 1]!;
      this.byAddress.set(key, { id, link });
      post({ type: 'accepted', id, remote: key, conv, rings, owner: link.owner });
      link.forward(id, msg);
    }
  }

  /** The conv a datagram from an unknown address may open a session with, or undefined (counted). */
  private admit(msg: Uint8Array): number | undefined {
    const values = this.context.snmp.values;
    if (msg.length > this.probeBatch.stride) {
      values[S.InErrs]!++;
      return undefined;
    }
    // decrypt a copy to decide whether this address may open a session
    this.probeBatch.clear();
    this.probeBatch.push(msg);
    const ok = this.probe.open(this.probeBatch);
    if (!ok[0]) return undefined; // counted by PacketCrypt
    const conv = convOfFirstDatagram(this.probe.payload(this.probeBatch.view(0)));
    if (conv === undefined || this.byAddress.size >= this.request.maxSessions) {
      values[S.InErrs]!++;
      return undefined;
    }
    return conv;
  }

  private sendBatch(id: number, batch: DatagramBatch): void {
    for (let i = 0; i < batch.count; i++) this.sendTo(id, batch.view(i));
  }

  private sendTo(id: number, datagram: Uint8Array): void {
    const to = this.addressOf.get(id);
    if (to) this.socket.send(Buffer.from(datagram), to.port, to.address);
  }

  /** The session `id` ended (here or on its owner shard): its address may open a new one. */
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
