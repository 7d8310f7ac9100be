/**
 * The server's UDP socket and its demultiplexer: sessions keyed by remote address, created only
 * from a datagram that decrypts, passes its CRC and carries a readable conv (docs/protocol.md
 * §3.9), is not a replay and passes admission. New sessions go round-robin to this shard or,
 * through forwarding links, to the others.
 */
import { RingBuffer } from '@kcptunb/ring';
import { openUdpEndpoint, type PeerAddress, type PeerKey, type Senders, type UdpEndpoint } from '@kcptunb/udp';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { createDatagramCipher, cryptOverhead, PacketCrypt } from '@kcptunb/crypt';
import { nativeAes } from '@kcptunb/aesni';
import { KCP_OVERHEAD } from '@kcptunb/kcp';
import { S, type Snmp } from '@kcptunb/snmp';
import { Admission, type Candidate } from './admission.js';
import { convOfFirstDatagram } from './firstDatagram.js';
import { ForwardLink } from './forwarding.js';
import type { FromShard, ListenRequest, SessionRings } from './protocol.js';
import { KEY_BYTES, keyHigh, keyLow, ReplayFilter } from './replayFilter.js';
import { RingPool } from './ringPool.js';
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
  private readonly byAddress = new Map<PeerKey, Route>();
  private readonly addressOf = new Map<number, PeerAddress>();
  private readonly links: ForwardLink[];
  /** Round-robin over this shard (index 0) and the forward links. */
  private nextOwner = 0;
  private readonly probe: PacketCrypt;
  private readonly probeBatch: DatagramBatch;
  /** One datagram at a time, for replies forwarded from other shards. */
  private readonly oneBatch: DatagramBatch;
  /** Session ids are per shard; the host names sessions by (shard, id). */
  private nextId = 1;
  /** Rings of this shard's ended sessions, for reuse (forwarded sessions' rings are not pooled). */
  private readonly rings: RingPool;
  private readonly admission: Admission;
  /** Keys of accepted datagrams (this shard's sessions and every opening datagram); off with --replay-filter=0. */
  readonly replay: ReplayFilter | undefined;
  /** When each of this shard's sessions opened (admission's probation). */
  private readonly openedAt = new Map<number, number>();
  private endpoint: UdpEndpoint | undefined;

  private constructor(
    private readonly context: ListenerContext,
    private readonly request: ListenRequest,
  ) {
    const { kernels, snmp } = context;
    const { settings } = request;
    this.links = (request.forwards ?? []).map((f) => new ForwardLink(f.owner, f.rings, (id, d) => this.sendOne(id, d), snmp));
    const probeCipher = createDatagramCipher(kernels, settings.crypt.method, settings.crypt.key, { nativeAes: nativeAes() });
    this.probe = new PacketCrypt(kernels, probeCipher, { snmp, minLength: cryptOverhead(probeCipher.layout) + KCP_OVERHEAD }, 1);
    this.probeBatch = new DatagramBatch(kernels, 1);
    this.oneBatch = new DatagramBatch(kernels, 1);
    const { maxSessions, replayFilter } = request.admission;
    this.rings = new RingPool(request.ringBytes, 2 * maxSessions);
    this.admission = new Admission(maxSessions, undefined, context.clock());
    this.replay = replayFilter ? new ReplayFilter({}, context.clock()) : undefined;
  }

  /** Bind the server socket (`host` '' = every interface) and start demultiplexing. */
  static async open(context: ListenerContext, request: ListenRequest): Promise<Listener> {
    const listener = new Listener(context, request);
    const { host, port, reusePort, settings } = request;
    try {
      listener.endpoint = await openUdpEndpoint({
        kernels: context.kernels,
        family: host.includes(':') ? 6 : 4,
        bindAddress: host,
        bindPort: port,
        reusePort,
        ...settings.socket,
        onReceive: (batch, senders) => listener.onBatch(batch, senders!),
        log: (message) => context.post({ type: 'log', message }),
        onDropped: (n) => (context.snmp.values[S.InErrs]! += n),
      });
    } catch (e) {
      listener.dispose();
      throw e;
    }
    return listener;
  }

  get local(): { address: string; port: number } {
    return this.endpoint!.local;
  }

  private onBatch(batch: DatagramBatch, senders: Senders): void {
    const now = this.context.clock();
    for (let i = 0; i < batch.count; i++) {
      const key = senders.key(i);
      const known = this.byAddress.get(key);
      if (known) {
        if (known.session) this.context.sessions.deliver(known.session, batch.view(i), now);
        else known.link.forward(known.id, batch.view(i));
        continue;
      }
      this.onNewAddress(batch, i, senders.peer(i));
    }
  }

  /** Slot `i` of `batch` came from an address without a session. */
  private onNewAddress(batch: DatagramBatch, i: number, peer: PeerAddress): void {
    const opening = this.admit(batch.view(i), peer.address);
    if (opening === undefined) return;
    const { conv, nonce } = opening;
    const id = this.nextId++;
    const now = this.context.clock();
    this.openedAt.set(id, now);
    this.addressOf.set(id, peer);
    const slot = this.nextOwner;
    this.nextOwner = (this.nextOwner + 1) % (this.links.length + 1);
    const { post, sessions, shardId } = this.context;
    if (slot === 0) {
      const rings: SessionRings = { toShard: this.rings.acquire(now), toControl: this.rings.acquire(now) };
      const releaseRings = () => {
        const at = this.context.clock();
        this.rings.release(rings.toShard, at);
        this.rings.release(rings.toControl, at);
      };
      const transmit = (out: DatagramBatch) => this.endpoint?.send(out, peer);
      const session = sessions.open({ id, conv, settings: this.request.settings, rings, transmit, passive: true, retire: () => this.forget(id), releaseRings, replay: this.replay, openingNonce: nonce });
      this.byAddress.set(peer.key, { id, session });
      post({ type: 'accepted', id, remote: peer.text, conv, rings, owner: shardId });
      // a fresh view: opening the session allocated kernel memory, which may have grown (detaching old views)
      sessions.deliver(session, batch.view(i), now);
    } else {
      const rings: SessionRings = { toShard: RingBuffer.create(this.request.ringBytes), toControl: RingBuffer.create(this.request.ringBytes) };
      const link = this.links[slot - 1]!;
      this.byAddress.set(peer.key, { id, link });
      post({ type: 'accepted', id, remote: peer.text, conv, rings, owner: link.owner });
      link.forward(id, batch.view(i));
    }
  }

  /**
   * Whether a datagram from an unknown address may open a session (every refusal counted), in
   * order of cost: length, the replay filter (one lookup on the bytes as received, before any copy
   * or decryption), decryption and CRC of a copy, a readable conv, then admission (rate limits,
   * cap, displacing a session on probation). Returns the conv and the opening datagram's replay
   * key, which the new session's own replay check lets through once.
   */
  private admit(datagram: Uint8Array, host: string): { conv: number; nonce: Uint8Array | undefined } | undefined {
    const values = this.context.snmp.values;
    if (datagram.length > this.probeBatch.stride) {
      values[S.InErrs]!++;
      return undefined;
    }
    // a replayed datagram is refused before it costs a decryption or admission's tokens
    if (this.replay?.seen(datagram)) {
      values[S.ReplayDrops]!++;
      return undefined;
    }
    // read now, without allocating: decryption may grow kernel memory and detach `datagram`
    const lo = keyLow(datagram);
    const hi = keyHigh(datagram);
    const keyed = datagram.length >= KEY_BYTES;
    this.probeBatch.clear();
    this.probeBatch.push(datagram);
    const ok = this.probe.open(this.probeBatch);
    if (!ok[0]) return undefined; // counted by PacketCrypt
    const conv = convOfFirstDatagram(this.probe.payload(this.probeBatch.view(0)));
    if (conv === undefined) {
      values[S.InErrs]!++;
      return undefined;
    }
    const now = this.context.clock();
    const decision = this.admission.decide(host, now, this.byAddress.size, () => this.candidates());
    if (!decision.admit) {
      values[S.AdmissionDrops]!++;
      return undefined;
    }
    if (decision.evict !== undefined) {
      values[S.IdleEvictions]!++;
      this.context.sessions.close(decision.evict, 'displaced by a new session: its peer never acknowledged anything', true);
    }
    if (!this.replay || !keyed) return { conv, nonce: undefined };
    this.replay.admitKey(lo, hi, now);
    const nonce = new Uint8Array(KEY_BYTES);
    new DataView(nonce.buffer).setUint32(0, lo, true);
    new DataView(nonce.buffer).setUint32(4, hi, true);
    return { conv, nonce };
  }

  /** This shard's own sessions, for admission (forwarded ones are never displaced from here). */
  private *candidates(): Iterable<Candidate> {
    for (const route of this.byAddress.values()) {
      if (!route.session) continue;
      yield { id: route.id, openedAt: this.openedAt.get(route.id) ?? 0, proven: route.session.proven };
    }
  }

  /** A datagram a forwarded session sent back through its owner shard. */
  private sendOne(id: number, datagram: Uint8Array): void {
    const to = this.addressOf.get(id);
    if (!to || !this.endpoint) return;
    this.oneBatch.clear();
    this.oneBatch.push(datagram);
    this.endpoint.send(this.oneBatch, to);
  }

  /** The session `id` ended (here or on its owner shard): its address may open a new one. */
  forget(id: number): void {
    const to = this.addressOf.get(id);
    if (to === undefined) return;
    this.addressOf.delete(id);
    this.openedAt.delete(id);
    this.byAddress.delete(to.key);
  }

  close(): void {
    for (const l of this.links) l.close();
    this.endpoint?.close();
    this.dispose();
  }

  private dispose(): void {
    this.probe.dispose();
    this.probeBatch.dispose();
    this.oneBatch.dispose();
  }
}
