/**
 * One KCP conversation over the packet layer — kcp-go's UDPSession without
 * the socket (docs/protocol.md §0.4 steps 5–7, §3.9):
 *
 *   write → KCP → FEC encoder → batch → PacketCrypt.seal → onDatagrams
 *   input batch → PacketCrypt.open → FEC detect/decode → KCP → read
 *
 * Sans-I/O: the caller passes `now` (ms) to every call, transmits the sealed
 * batches handed to `onDatagrams` synchronously, and calls `update(now)` at
 * `nextFlushAt`. The data-plane worker wraps this with a UDP socket and a timer.
 */
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { cryptOverhead, PacketCrypt, type DatagramCipher } from '@kcptunb/crypt';
import { FEC_DATA_HEADER_SIZE, FecDecoder, FecEncoder, FecShapeDetector, isFecPacket, isOobPacket, kcpBytesOf, readSeqid, readType } from '@kcptunb/fec';
import { emptySegmentHeader, encodeResetSegment, isConversationStart, isResetSegment, Kcp, KCP_OVERHEAD, readSegmentHeader, timediff, type KcpSettings } from '@kcptunb/kcp';
import { S, Snmp } from '@kcptunb/snmp';
import { Pacer } from './pacer.js';

export interface KcpSessionOptions {
  conv: number;
  /** KCP settings; `reserved` is computed here from the crypto and FEC headers. */
  kcp: KcpSettings;
  cipher: DatagramCipher;
  /** 0 for either disables FEC on the send side (docs/protocol.md §2.1). */
  dataShards: number;
  parityShards: number;
  /** Receives sealed datagrams; must transmit (copy) them before returning. */
  onDatagrams: (batch: DatagramBatch) => void;
  snmp?: Snmp;
  /** Datagrams per outgoing batch. */
  batchCapacity?: number;
  /**
   * Asked for every datagram that decrypted (nonce at offset 0, docs/protocol.md §1.3); false
   * drops it, counted in ReplayDrops. The server's replay filter.
   */
  acceptDatagram?: (decrypted: Uint8Array, now: number) => boolean;
  /** Pace sealed datagrams to this many bytes per second (upstream `--ratelimit`); 0/absent = off. */
  rateLimit?: number;
}

/** Most datagrams one `input()` batch may hold (PacketCrypt's default). */
const MAX_INPUT_BATCH = 1024;
/**
 * How long a lone ACK waits for the reply's data to carry it (docs/protocol.md §3.3): long enough
 * for a request/response turnaround through the application, far below any RTO (≥ 30 ms).
 */
export const LONE_ACK_DELAY_MS = 2;

export class KcpSession {
  readonly kcp: Kcp;
  readonly snmp: Snmp;
  readonly fecEnabled: boolean;
  private readonly crypt: PacketCrypt;
  private readonly encoder: FecEncoder | undefined;
  private decoder: FecDecoder | undefined;
  /** Learns the peer's ds/ps so recovery works whatever our own setting (docs/protocol.md §2.8). */
  private readonly shape = new FecShapeDetector();
  private readonly out: DatagramBatch;
  private readonly cryptHeader: number;
  /** `--ratelimit` pacing, with the batch paced datagrams leave in (docs/protocol.md §7.11). */
  readonly pacer: Pacer | undefined;
  private readonly paced: DatagramBatch | undefined;
  /** Wire bytes one new segment costs when paced: a full datagram, plus its share of FEC parity. */
  private readonly segmentWireBytes: number;
  private readonly onDatagrams: (batch: DatagramBatch) => void;
  private readonly acceptDatagram: ((decrypted: Uint8Array, now: number) => boolean) | undefined;
  private now = 0;
  private closed = false;
  /**
   * This conversation's own share of the shard-wide SNMP counters, for per-session figures:
   * application bytes written and read, datagrams and their bytes on the wire, and segments
   * FEC rebuilt.
   */
  readonly counters = { bytesSent: 0, bytesReceived: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0, fecRecovered: 0 };

  constructor(private readonly kernels: Kernels, options: KcpSessionOptions) {
    this.snmp = options.snmp ?? new Snmp();
    this.fecEnabled = options.dataShards > 0 && options.parityShards > 0;
    // crypt header and trailer (20 + 0, aes-128-gcm 12 + 16, null 0) plus FEC: mss = mtu − 24 − reserved (docs/protocol.md §3.2)
    const layout = options.cipher.layout;
    this.cryptHeader = layout.header;
    const reserved = cryptOverhead(layout) + (this.fecEnabled ? FEC_DATA_HEADER_SIZE : 0);
    const capacity = Math.max(options.batchCapacity ?? 128, 2 + options.parityShards);
    this.out = new DatagramBatch(kernels, capacity);
    // the smallest acceptable datagram: prefix + one KCP header (stock's rule; FEC packets are checked further)
    // open() needs a flag per datagram of the caller's input batch, which may be larger than our output batch
    const maxBatch = Math.max(capacity, MAX_INPUT_BATCH);
    this.crypt = new PacketCrypt(kernels, options.cipher, { snmp: this.snmp, minLength: cryptOverhead(layout) + KCP_OVERHEAD }, maxBatch);
    if (this.fecEnabled) {
      this.encoder = new FecEncoder(kernels, options.dataShards, options.parityShards, { cryptHeader: layout.header });
      this.decoder = new FecDecoder(kernels, options.dataShards, options.parityShards, this.snmp);
    }
    this.onDatagrams = options.onDatagrams;
    this.acceptDatagram = options.acceptDatagram;
    if (options.rateLimit) {
      this.pacer = new Pacer(options.rateLimit);
      this.paced = new DatagramBatch(kernels, capacity);
    }
    const fecShare = this.fecEnabled ? (options.dataShards + options.parityShards) / options.dataShards : 1;
    this.segmentWireBytes = Math.ceil(options.kcp.mtu * fecShare);
    this.kcp = new Kcp(options.conv, { ...options.kcp, reserved, loneAckDelay: LONE_ACK_DELAY_MS }, (bytes) => this.output(bytes), this.snmp);
  }

  get conv(): number {
    return this.kcp.conv;
  }

  /** When `update()` should run next (a 32-bit ms value). */
  get nextFlushAt(): number {
    return this.kcp.nextFlushAt;
  }

  /** Milliseconds from `now` until the next flush (or paced datagram) is due (≥ 0; Infinity while idle). */
  msUntilFlush(now: number): number {
    // an idle KCP has nothing to flush until something happens: no timer for a quiet session
    const flush = this.kcp.idle ? Infinity : Math.max(0, timediff(this.kcp.nextFlushAt, now >>> 0));
    return this.pacer ? Math.min(flush, this.pacer.msUntilNext(now)) : flush;
  }

  /**
   * True while KCP accepts more without exceeding its send window (kcptunB's write
   * blocking rule) and, when paced, while the pacing queue is under half full.
   */
  get canWrite(): boolean {
    return this.kcp.canSend && (!this.pacer || this.pacer.queuedBytes < this.pacer.maxQueued / 2);
  }

  get readable(): number {
    return this.kcp.readable;
  }

  /** Queue application bytes and flush at once (kcptun runs KCP with write delay off). */
  write(data: Uint8Array, now: number): void {
    if (this.closed || data.length === 0) return;
    this.now = now;
    this.kcp.send(data);
    this.snmp.values[S.BytesSent]! += data.length;
    this.counters.bytesSent += data.length;
    this.kcpFlush(now);
    this.emit();
  }

  /**
   * Flush KCP; when paced, with a budget of new segments that fits below the pacer's high
   * water, so new data waits in KCP's queue rather than in the pacer's (docs/protocol.md §7.11).
   */
  private kcpFlush(now: number): void {
    if (this.pacer) this.kcp.newSegmentLimit = Math.floor(this.pacer.room / this.segmentWireBytes);
    this.kcp.flush(now);
  }

  /**
   * Queue application bytes without flushing; call `flush(now)` after a burst.
   * (Batching several writes into one flush fills datagrams better than
   * kcptun's flush-per-write; the byte stream on the wire is the same.)
   */
  send(data: Uint8Array): void {
    if (this.closed || data.length === 0) return;
    this.kcp.send(data);
    this.snmp.values[S.BytesSent]! += data.length;
    this.counters.bytesSent += data.length;
  }

  /** Flush KCP now (ACKs, new and due segments) and transmit. */
  flush(now: number): void {
    if (this.closed) return;
    this.now = now;
    this.kcpFlush(now);
    this.emit();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Take received bytes. */
  read(out: Uint8Array): number {
    const n = this.kcp.recv(out);
    this.snmp.values[S.BytesReceived]! += n;
    this.counters.bytesReceived += n;
    return n;
  }

  /** Periodic work: retransmissions, ACKs, probes. */
  update(now: number): void {
    if (this.closed) return;
    this.now = now;
    if (this.pacer) {
      // release what is due first; if that made room and KCP holds new data, flush it now rather
      // than at the next interval, so the bucket never idles while there is data
      this.emit();
      if (this.kcp.queued > 0 && this.pacer.room >= this.segmentWireBytes) this.kcpFlush(now);
      else {
        this.kcp.newSegmentLimit = Math.floor(this.pacer.room / this.segmentWireBytes);
        this.kcp.update(now);
      }
    } else this.kcp.update(now);
    this.emit();
  }

  /**
   * Process a batch of raw datagrams from the socket (decrypted in place), at
   * most MAX_INPUT_BATCH of them. Never throws on content: bad datagrams are
   * dropped and counted.
   */
  input(batch: DatagramBatch, now: number, deferTransmit = false): void {
    if (this.closed) return;
    this.now = now;
    const values = this.snmp.values;
    values[S.InPkts]! += batch.count;
    let inBytes = 0;
    for (let i = 0; i < batch.count; i++) inBytes += batch.length(i);
    values[S.InBytes]! += inBytes;
    this.counters.inPkts += batch.count;
    this.counters.inBytes += inBytes;
    const ok = this.crypt.open(batch);
    for (let i = 0; i < batch.count; i++) {
      if (!ok[i]) continue;
      if (this.acceptDatagram && !this.acceptDatagram(batch.view(i), now)) {
        values[S.ReplayDrops]!++;
        continue;
      }
      const packet = this.crypt.payload(batch.view(i));
      if (isOobPacket(packet)) {
        // kcp-go's out-of-band datagrams carry nothing for KCP (docs/protocol.md §2.7)
        this.oobDatagrams++;
        continue;
      }
      // a reset is read before FEC: its data shard's seqid is not in the peer's sequence (docs/protocol.md §3.10)
      if (this.isReset(packet)) {
        this.peerReset = true;
        continue;
      }
      if (isFecPacket(packet)) this.learnShape(packet);
      if (this.decoder && this.fecShapeKnown && isFecPacket(packet)) {
        this.decoder.input(packet, this.feedSink);
      } else {
        // without a decoder (or before the peer's shape is confirmed) data shards are taken as they are and parity is only counted
        const kcp = kcpBytesOf(packet);
        if (kcp) this.feed(kcp, true);
        else values[S.FECParityShards]!++;
      }
    }
    if (!deferTransmit) this.emit();
  }

  /** Rebuild the decoder when the shards show the peer's group shape differs from it. */
  private learnShape(packet: Uint8Array): void {
    const shape = this.shape.observe(readSeqid(packet), readType(packet));
    if (!shape) return;
    const d = this.decoder;
    // a period that is a multiple of the decoder's group, with the boundary where it expects one, agrees with it
    this.fecShapeKnown = true;
    if (d) {
      const n = d.dataShards + d.parityShards;
      if ((shape.dataShards + shape.parityShards) % n === 0 && shape.dataShards % n === d.dataShards) return;
    }
    this.decoder?.dispose();
    this.decoder = new FecDecoder(this.kernels, shape.dataShards, shape.parityShards, this.snmp);
    this.fecShapeChanges++;
  }

  /**
   * Recovery waits until the shards confirm the decoder's shape: a decoder grouping
   * shards wrongly can "recover" segments that pass KCP's conv check with wrong
   * bytes (linear combinations of real shards keep their common header bytes).
   */
  private fecShapeKnown = false;

  /** Times the decoder was rebuilt for a peer shape learnt on receive. */
  fecShapeChanges = 0;

  /**
   * Set when a regular datagram carried another conv whose first segment is a
   * PUSH with sn 0: the peer started a new conversation from the same address
   * (stock kcptun then replaces the session; docs/protocol.md §3.9). Only meaningful for
   * server sessions; the shard acts on it.
   */
  peerRestarted = false;
  /** The peer sent a reset for this conv: it ended the conversation or never knew it (docs/protocol.md §3.10). */
  peerReset = false;
  /** When the last authentic datagram of this conv arrived (-Infinity: none yet): evidence the peer is alive. */
  lastHeardAt = -Infinity;
  /** Out-of-band (type 0xF3) datagrams received and dropped (docs/protocol.md §2.7). */
  oobDatagrams = 0;
  private readonly header = emptySegmentHeader();

  /** `feed`, bound once for the FEC decoder (no closure per input batch). */
  private readonly feedSink = (kcp: Uint8Array, regular: boolean): void => this.feed(kcp, regular);

  private feed(kcp: Uint8Array, regular: boolean): void {
    const header = this.header;
    if (readSegmentHeader(kcp, 0, header)) {
      if (header.conv === this.kcp.conv) this.lastHeardAt = this.now;
      else if (regular && isConversationStart(header)) this.peerRestarted = true;
    }
    if (!regular) this.counters.fecRecovered++;
    this.kcp.input(kcp, regular, this.now);
  }

  /** A datagram (after the crypto prefix) that is one reset segment for this conv. */
  private isReset(packet: Uint8Array): boolean {
    const kcp = kcpBytesOf(packet);
    if (!kcp || kcp.length !== KCP_OVERHEAD) return false;
    return readSegmentHeader(kcp, 0, this.header) && this.header.conv === this.kcp.conv && isResetSegment(this.header);
  }

  /**
   * Transmit what KCP produced but `input(…, deferTransmit = true)` held back
   * (window-slide flushes), and the ACKs that input queued: lets the caller hand
   * received data to the application first, keeping a send syscall off the
   * receive path. ACKs so leave once per received batch, not at the next update
   * interval (docs/protocol.md §3.3).
   */
  transmitPending(): void {
    if (this.closed) return;
    this.kcp.flushAcks(this.now);
    this.emit();
  }

  /** KCP produced one datagram's worth of segments. */
  private output(kcpBytes: Uint8Array): void {
    const out = this.out;
    if (this.encoder) {
      if (out.count + 1 + this.encoder.parityShards > out.capacity) this.emit();
      this.encoder.encode(out, kcpBytes);
    } else {
      if (out.count + 1 > out.capacity) this.emit();
      const slot = out.count++;
      out.setLength(slot, this.cryptHeader + kcpBytes.length);
      this.kernels.bytes().set(kcpBytes, out.offset(slot) + this.cryptHeader);
    }
  }

  /** Seal what is pending and hand it to the transmitter. */
  private emit(): void {
    const out = this.out;
    if (this.pacer) return this.emitPaced();
    if (out.count === 0) return;
    this.crypt.seal(out);
    const values = this.snmp.values;
    this.countOut(out);
    this.onDatagrams(out);
    out.clear();
  }

  /** Seal what is pending into the pacer, then transmit what the bucket allows now. */
  private emitPaced(): void {
    const out = this.out;
    const pacer = this.pacer!;
    const paced = this.paced!;
    if (out.count > 0) {
      this.crypt.seal(out);
      for (let i = 0; i < out.count; i++) pacer.offer(out.view(i).slice());
      out.clear();
    }
    const flush = () => {
      this.countOut(paced);
      this.onDatagrams(paced);
      paced.clear();
    };
    pacer.release(this.now, (d) => {
      if (paced.count === paced.capacity) flush();
      paced.push(d);
    });
    if (paced.count > 0) flush();
  }

  /** Datagrams leaving: OutPkts and OutBytes, shard-wide and this session's. */
  private countOut(out: DatagramBatch): void {
    let bytes = 0;
    for (let i = 0; i < out.count; i++) bytes += out.length(i);
    const values = this.snmp.values;
    values[S.OutPkts]! += out.count;
    values[S.OutBytes]! += bytes;
    this.counters.outPkts += out.count;
    this.counters.outBytes += bytes;
  }

  /**
   * Tell the peer this conversation is over (docs/protocol.md §3.10): one reset segment, through
   * FEC and crypt as any datagram, sent at once. Stock kcp-go drops it as an unknown command.
   */
  sendReset(): void {
    if (this.closed) return;
    const segment = new Uint8Array(KCP_OVERHEAD);
    encodeResetSegment(segment, 0, this.kcp.conv);
    this.output(segment);
    this.emit();
  }

  /** Release kernel memory. Nothing is sent: closing is silent on the wire (docs/protocol.md §3.9). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.dispose();
    this.paced?.dispose();
    this.crypt.dispose();
    this.encoder?.dispose();
    this.decoder?.dispose();
  }
}
