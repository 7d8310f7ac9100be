/**
 * The server's UDP sockets (one, or one per port of a kcptun port range: docs/protocol.md §7.13)
 * and their demultiplexer: sessions keyed by remote address, created only
 * from a datagram that decrypts, passes its CRC and carries a readable conv (docs/protocol.md
 * §3.9), is not a replay and passes admission. New sessions go round-robin to this shard or,
 * through forwarding links, to the others.
 */
import { RingBuffer } from '@kcptunb/ring';
import { openSessionEndpoint, openUdpEndpoint, trimHeap, type PeerAddress, type PeerKey, type Senders, type UdpEndpoint } from '@kcptunb/udp';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { S, type Snmp } from '@kcptunb/snmp';
import { Admission, type Candidate } from './admission.js';
import { ForwardLink } from './forwarding.js';
import { ChecksumTally } from './checksumTally.js';
import { HeapTrimmer } from './heapTrim.js';
import type { FromShard, ListenRequest, SessionRings } from './protocol.js';
import { NewcomerProbe } from './newcomerProbe.js';
import { PenaltyBox } from './penaltyBox.js';
import { ReplayFilter } from './replayFilter.js';
import { ResetReply } from './resetReply.js';
import { RingPool } from './ringPool.js';
import { SessionSockets, type SessionSocketRequest } from './sessionSockets.js';
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
  /** Datagrams from addresses without a session: screened, then decrypted a batch at a time. */
  private readonly probe: NewcomerProbe;
  /** One datagram at a time, for replies forwarded from other shards. */
  private readonly oneBatch: DatagramBatch;
  /** Session ids are per shard; the host names sessions by (shard, id). */
  private nextId = 1;
  /** Rings of this shard's ended sessions, for reuse (forwarded sessions' rings are not pooled). */
  private readonly rings: RingPool;
  private readonly admission: Admission;
  /** Keys of accepted datagrams (this shard's sessions and every opening datagram); off with --replay-filter=0. */
  readonly replay: ReplayFilter | undefined;
  /** Sources of datagrams that failed the checksum, named in a log line every 10 s (docs/deviations.md row 26). */
  private readonly checksums = new ChecksumTally();
  /** Sources that keep failing the checksum: turned away for a while without a decryption (counted in InCsumErrors). */
  private readonly penalty = process.env.KCPTUNB_PENALTY_BOX === '0' ? undefined : new PenaltyBox();
  /** When each of this shard's sessions opened (admission's probation). */
  private readonly openedAt = new Map<number, number>();
  /** One socket per listening port; a session answers from the one its first datagram came to. */
  private readonly endpoints: UdpEndpoint[] = [];
  private readonly endpointOf = new Map<number, UdpEndpoint>();
  /** Answers datagrams of conversations this server does not know (docs/protocol.md §3.10). */
  private readonly resets: ResetReply;
  /**
   * Gives the heap memory of ended sessions back to the OS: opt-in (KCPTUNB_HEAP_TRIM=1) until a
   * soak on a quiet machine shows it helps — on the shared one the interleaved runs were noise.
   */
  private readonly trimmer = process.env.KCPTUNB_HEAP_TRIM === '1' ? new HeapTrimmer(trimHeap) : undefined;
  /** This shard's sessions' own connected sockets (native path), so floods on the port queue apart from them. */
  private readonly sessionSockets: SessionSockets | undefined;
  /** The listener is bound to every interface: a session socket binds the address its first datagram was sent to. */
  private readonly wildcard: boolean;

  private constructor(
    private readonly context: ListenerContext,
    private readonly request: ListenRequest,
  ) {
    const { kernels, snmp } = context;
    const { settings } = request;
    this.links = (request.forwards ?? []).map((f) => new ForwardLink(f.owner, f.rings, (id, d) => this.sendOne(id, d), snmp));
    this.oneBatch = new DatagramBatch(kernels, 1);
    const { maxSessions, replayFilter } = request.admission;
    this.rings = new RingPool(request.ringBytes, 2 * maxSessions);
    this.admission = new Admission(maxSessions, undefined, context.clock());
    this.replay = replayFilter ? new ReplayFilter({}, context.clock()) : undefined;
    this.probe = new NewcomerProbe(kernels, settings, snmp, this.replay);
    this.wildcard = request.host === '' || request.host === '0.0.0.0' || request.host === '::';
    if (request.sessionSockets) {
      const family: 4 | 6 = request.host.includes(':') ? 6 : 4;
      const log = (message: string) => context.post({ type: 'log', message });
      const open = (r: SessionSocketRequest) =>
        openSessionEndpoint({ kernels, family, bindAddress: r.local.address, bindPort: r.local.port, connect: r.peer, ...settings.socket, onReceive: r.onReceive, log, onDropped: (n) => (snmp.values[S.InErrs]! += n) });
      this.sessionSockets = new SessionSockets(open, log, request.sessionSockets);
    }
    this.resets = new ResetReply(kernels, this.probe.crypt, this.probe.cryptHeader, settings.fec.dataShards > 0 && settings.fec.parityShards > 0);
  }

  /** Bind the server socket(s) (`host` '' = every interface) and start demultiplexing. */
  static async open(context: ListenerContext, request: ListenRequest): Promise<Listener> {
    const listener = new Listener(context, request);
    const { host, port, settings } = request;
    // session sockets share the port with the listening one (also with one shard)
    const ownSockets = listener.sessionSockets !== undefined;
    const reusePort = request.reusePort || ownSockets;
    try {
      for (let p = port; p <= (request.lastPort ?? port); p++) {
        const endpoint: UdpEndpoint = await openUdpEndpoint({
          kernels: context.kernels,
          family: host.includes(':') ? 6 : 4,
          bindAddress: host,
          bindPort: p,
          reusePort,
          receiveDestinations: ownSockets && listener.wildcard,
          // established sessions read their own sockets: the listener's share of a loop turn is one batch
          receiveRounds: ownSockets ? 1 : undefined,
          ...settings.socket,
          onReceive: (batch, senders) => listener.onBatch(batch, senders!, endpoint),
          log: (message) => context.post({ type: 'log', message }),
          onDropped: (n) => (context.snmp.values[S.InErrs]! += n),
        });
        listener.endpoints.push(endpoint);
      }
    } catch (e) {
      for (const endpoint of listener.endpoints) endpoint.close();
      listener.dispose();
      throw e;
    }
    return listener;
  }

  /** The first socket's address (the range's first port). */
  get local(): { address: string; port: number } {
    return this.endpoints[0]!.local;
  }

  private onBatch(batch: DatagramBatch, senders: Senders, endpoint: UdpEndpoint): void {
    const now = this.context.clock();
    const probe = this.probe;
    probe.clear();
    for (let i = 0; i < batch.count; i++) {
      const key = senders.key(i);
      const known = this.byAddress.get(key);
      if (known) {
        if (known.session) this.context.sessions.deliver(known.session, batch.view(i), now);
        else known.link.forward(known.id, batch.view(i));
        continue;
      }
      if (this.penalty?.boxed(key, now)) {
        this.context.snmp.values[S.InCsumErrors]!++;
        continue;
      }
      probe.add(batch.view(i), i);
      if (probe.full) this.openNewcomers(batch, senders, endpoint);
    }
    if (probe.count > 0) this.openNewcomers(batch, senders, endpoint);
    for (const message of this.checksums.due(now)) this.context.post({ type: 'log', message });
  }

  /**
   * The probe holds datagrams from addresses without a session: decrypt them in one call, then
   * admission (rate limits, cap, displacing a session on probation) for each that names a conv.
   */
  private openNewcomers(batch: DatagramBatch, senders: Senders, endpoint: UdpEndpoint): void {
    const probe = this.probe;
    probe.open();
    for (let j = 0; j < probe.count; j++) {
      const i = probe.slot(j);
      const known = this.byAddress.get(senders.key(i));
      if (known) {
        // an earlier datagram of this batch from the same address opened a session
        if (known.session) this.context.sessions.deliver(known.session, batch.view(i), this.context.clock());
        else known.link.forward(known.id, batch.view(i));
        continue;
      }
      const first = probe.first(j);
      if (first === undefined) {
        if (probe.failedChecksum(j)) {
          const now = this.context.clock();
          this.checksums.note(senders.key(i), now, () => senders.peer(i).text);
          this.penalty?.failed(senders.key(i), now);
        }
        continue;
      }
      const peer = senders.peer(i); // allocates: only for datagrams that decrypted and name a conv
      const now = this.context.clock();
      if (first.stale) {
        // the peer talks to an earlier incarnation of this server: a reset makes a kcptunb client re-dial at once
        const reset = this.resets.build(first.conv, now);
        if (reset) endpoint.send(reset, peer);
        continue;
      }
      const decision = this.admission.decide(peer.address, now, this.byAddress.size, () => this.candidates());
      if (!decision.admit) {
        this.context.snmp.values[S.AdmissionDrops]!++;
        continue;
      }
      if (decision.evict !== undefined) {
        this.context.snmp.values[S.IdleEvictions]!++;
        this.context.sessions.close(decision.evict, 'displaced by a new session: its peer never acknowledged anything', true);
      }
      this.openSession(batch, i, peer, first.conv, probe.enter(j, now), endpoint, senders);
    }
    probe.clear();
  }

  /** Slot `i` of `batch`, from `peer` to `endpoint`, was admitted: open its session here or on another shard. */
  private openSession(batch: DatagramBatch, i: number, peer: PeerAddress, conv: number, nonce: Uint8Array | undefined, endpoint: UdpEndpoint, senders: Senders): void {
    const id = this.nextId++;
    const now = this.context.clock();
    this.openedAt.set(id, now);
    this.addressOf.set(id, peer);
    this.endpointOf.set(id, endpoint);
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
      let session: ShardSession | undefined;
      // datagrams still queued on the listening socket reach the session by its address, as before
      const own = this.sessionSockets?.attach(id, this.sessionSocketRequest(senders, i, endpoint, peer, (b) => {
        if (session) sessions.deliverBatch(session, b, this.context.clock());
      }));
      const transmit = own
        ? (out: DatagramBatch) => {
            if (!this.closed) own.send(out);
          }
        : (out: DatagramBatch) => {
            if (!this.closed) endpoint.send(out, peer);
          };
      session = sessions.open({ id, conv, settings: this.request.settings, rings, transmit, passive: true, retire: () => this.forget(id), releaseRings, replay: this.replay, openingNonce: nonce, remote: peer.text });
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

  /** Where a session socket binds (the address the client sent to) and connects; undefined when that address is unknown. */
  private sessionSocketRequest(senders: Senders, i: number, endpoint: UdpEndpoint, peer: PeerAddress, onReceive: (batch: DatagramBatch) => void): SessionSocketRequest | undefined {
    const address = this.wildcard ? senders.destination?.(i) : this.request.host;
    if (address === undefined) return undefined;
    return { local: { address, port: endpoint.local.port }, peer: { address: peer.address, port: peer.port }, onReceive };
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
    const endpoint = this.endpointOf.get(id);
    if (!to || !endpoint || this.closed) return;
    this.oneBatch.clear();
    this.oneBatch.push(datagram);
    endpoint.send(this.oneBatch, to);
  }

  /** The session `id` ended (here or on its owner shard): its address may open a new one. */
  forget(id: number): void {
    const to = this.addressOf.get(id);
    if (to === undefined) return;
    this.addressOf.delete(id);
    this.endpointOf.delete(id);
    this.openedAt.delete(id);
    this.byAddress.delete(to.key);
    this.sessionSockets?.detach(id);
    this.trimmer?.sessionEnded(this.context.clock(), this.byAddress.size);
  }

  private closed = false;

  close(): void {
    this.closed = true;
    for (const l of this.links) l.close();
    for (const endpoint of this.endpoints) endpoint.close();
    this.sessionSockets?.closeAll();
    this.dispose();
  }

  private dispose(): void {
    this.probe.dispose();
    this.oneBatch.dispose();
    this.resets.dispose();
  }
}
