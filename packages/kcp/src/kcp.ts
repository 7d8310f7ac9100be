/**
 * The KCP ARQ state machine, kcp-go flavour, in stream mode (docs/protocol.md §3).
 *
 * Sans-I/O: bytes go in through `send()` and `input()`, datagrams come out
 * through the `output` callback during `flush()`, received bytes are taken with
 * `recv()`. Time is always passed in (`now`, a millisecond counter; only
 * differences matter and they are taken modulo 2^32). Nothing here owns a
 * socket or a timer: the caller flushes when `nextFlushAt` has come.
 *
 * Differences from the C reference that kcp-go (and so kcptun) makes are kept:
 * stream-mode append, ACK-list thinning, the ts condition on fast-ACK counting,
 * early retransmit, the RTO estimator of rtoEstimator.ts, RTT and peer window
 * taken only from regular (not FEC-recovered) input, no minimum window.
 */
import { S, Snmp } from '@kcptunb/snmp';
import { Deque } from '@kcptunb/collections';
import { AckList } from './ackList.js';
import { ASK_SEND, ASK_TELL, CMD_ACK, CMD_PUSH, CMD_WASK, CMD_WINS, KCP_OVERHEAD, RTO_MIN, RTO_NODELAY_MIN, WND_RCV_DEFAULT, timediff } from './constants.js';
import { verifyKcpConfig, type KcpConfig } from './config.js';
import { CongestionWindow } from './congestion.js';
import { InputResult } from './errors.js';
import { emptySegmentHeader, encodeHeader, isKnownCommand, readSegmentHeader } from './header.js';
import { Receiver } from './receiver.js';
import { RtoEstimator } from './rtoEstimator.js';
import { appendStream, type Segment } from './segment.js';
import { SegmentPool } from './segmentPool.js';
import { WindowProbe } from './windowProbe.js';
import { due, SEND_EARLY, SEND_FAST, SEND_NONE, SEND_TIMEOUT, type FlushRound } from './retransmit.js';

/** Receives each datagram's KCP bytes; the view is only valid during the call. */
export type KcpOutput = (kcpBytes: Uint8Array) => void;

export class Kcp {
  readonly conv: number;
  readonly config: Readonly<KcpConfig>;
  readonly mss: number;
  readonly snmp: Snmp;

  private sndUna = 0;
  private sndNxt = 0;
  private rmtWnd = WND_RCV_DEFAULT;
  private readonly minRto: number;
  readonly rto = new RtoEstimator();
  /** When the caller should run `flush()` next. */
  nextFlushAt = 0;
  /** Segments this conversation sent again (RTO, fast and early retransmits): its share of RetransSegs. */
  retransmitted = 0;

  private readonly sndQueue = new Deque<Segment>();
  private readonly sndBuf = new Deque<Segment>();
  private readonly receiver: Receiver;
  private readonly acks = new AckList();
  private readonly congestion: CongestionWindow;
  private readonly probe = new WindowProbe();
  private readonly pool: SegmentPool;
  /** One datagram's KCP bytes, assembled by flush(). */
  private readonly buffer: Uint8Array;
  /** Scratch for input(): decoded headers, reused. */
  private readonly header = emptySegmentHeader();
  /** How long a lone ACK may wait for data to carry it (ms; 0: never). */
  private readonly loneAckDelay: number;
  /** The retransmission rule's inputs, reused every flush (retransmit.ts). */
  private readonly round: FlushRound;

  constructor(conv: number, config: KcpConfig, private readonly output: KcpOutput, snmp?: Snmp) {
    this.conv = conv >>> 0;
    this.config = verifyKcpConfig(config);
    this.mss = this.config.mtu - KCP_OVERHEAD - this.config.reserved;
    this.minRto = this.config.nodelay !== 0 ? RTO_NODELAY_MIN : RTO_MIN;
    this.loneAckDelay = this.config.ackNoDelay ? 0 : (this.config.loneAckDelay ?? 0);
    this.buffer = new Uint8Array(this.config.mtu - this.config.reserved);
    this.snmp = snmp ?? new Snmp();
    const firstSn = (this.config.firstSn ?? 0) >>> 0;
    this.sndUna = this.sndNxt = firstSn;
    // enough for a full send and receive window, so steady state allocates nothing
    this.pool = new SegmentPool(this.mss, Math.max(1024, this.config.sndWnd + this.config.rcvWnd));
    this.receiver = new Receiver(firstSn, this.config.rcvWnd, this.pool);
    this.congestion = new CongestionWindow(this.mss);
    this.round = { now: 0, rxRto: 0, resend: this.config.resend > 0 ? this.config.resend : 0xffffffff, nodelay: this.config.nodelay, newData: false };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Queue bytes for sending (stream mode: topping up the last unsent segment
   * first). Always accepts; callers apply back-pressure with `canSend`.
   */
  send(data: Uint8Array): void {
    appendStream(this.sndQueue, this.pool, this.mss, data);
  }

  /**
   * Most new segments one flush moves from the queue into flight: a pacer's budget
   * (docs/protocol.md §7.11), so that what KCP sends never outruns what may leave. Retransmissions
   * are not limited. Infinity (the default) is plain KCP.
   */
  newSegmentLimit = Infinity;

  /** Segments queued or in flight (kcp-go WaitSnd). */
  get waitSnd(): number {
    return this.sndBuf.length + this.sndQueue.length;
  }

  /** kcptunB blocks writers while waitSnd ≥ sndWnd. */
  get canSend(): boolean {
    return this.waitSnd < this.config.sndWnd;
  }

  /** The oldest sequence number the peer has not acknowledged (moves once the peer acknowledges). */
  get una(): number {
    return this.sndUna;
  }

  /** Ask the peer for its window (a WASK) at the next flush: a probe whose answer proves the peer alive. */
  askPeerWindow(): void {
    this.probe.ask();
  }

  /**
   * Nothing queued, in flight, to acknowledge or to probe, and the peer's window open: a flush now
   * would emit nothing, and none is due until input, a send or a read makes work (each of which
   * flushes or marks a probe). The shell's timer may sleep; the bytes on the wire are the same
   * (docs/protocol.md §3.2).
   */
  get idle(): boolean {
    return this.sndBuf.length === 0 && this.sndQueue.length === 0 && this.acks.count === 0 && this.rmtWnd !== 0 && !this.probe.active;
  }

  /** Segments sent and not yet covered by the peer's una. */
  get inFlight(): number {
    return timediff(this.sndNxt, this.sndUna);
  }

  /** Segments written but not yet in flight (waiting for the window or the pacer's budget). */
  get queued(): number {
    return this.sndQueue.length;
  }

  /** Free slots of our receive window, as advertised to the peer. */
  get receiveWindowFree(): number {
    return this.receiver.unusedWindow();
  }

  /** The congestion window in segments (0 until the first flush; only limits sending with nc = 0). */
  get congestionWindow(): number {
    return this.congestion.cwnd;
  }

  /** The peer's last advertised free receive window, in segments. */
  get remoteWindow(): number {
    return this.rmtWnd;
  }

  // -------------------------------------------------------------- receiving

  /** Bytes ready for `recv()`. */
  get readable(): number {
    return this.receiver.readable;
  }

  /** Copy up to `out.length` received bytes into `out`; returns how many. */
  recv(out: Uint8Array): number {
    const wasFull = this.receiver.full;
    const n = this.receiver.recv(out);
    if (wasFull && !this.receiver.full) this.probe.tell(); // tell the peer the window reopened
    return n;
  }

  /**
   * Feed the KCP bytes of one datagram. `regular` is false for FEC-recovered
   * data, which neither updates the peer window nor gives an RTT sample.
   * Never throws; a bad segment stops processing of the rest of the datagram
   * and is counted in KCPInErrors.
   */
  input(data: Uint8Array, regular: boolean, now: number): InputResult {
    const result = this.parse(data, regular, now);
    if (result !== InputResult.OK) this.snmp.values[S.KCPInErrors]!++;
    return result;
  }

  private parse(data: Uint8Array, regular: boolean, now: number): InputResult {
    if (data.length < KCP_OVERHEAD) return InputResult.SHORT;
    const unaBefore = this.sndUna;
    const values = this.snmp.values;
    let at = 0;
    let sawAck = false; // an ACK of a segment still unacknowledged: its ts gives the RTT sample
    let latestTs = 0;
    let windowSlides = false;
    let segments = 0;
    const header = this.header;
    while (readSegmentHeader(data, at, header)) {
      const { cmd, wnd, ts, sn, una, len } = header;
      at += KCP_OVERHEAD;
      if (header.conv !== this.conv) return this.counted(segments, InputResult.CONV_MISMATCH);
      if (data.length - at < len) return this.counted(segments, InputResult.TRUNCATED);
      if (!isKnownCommand(cmd)) return this.counted(segments, InputResult.BAD_COMMAND);
      if (regular) this.rmtWnd = wnd;
      // before this header's una: an ACK for a segment it covers is still this segment's first
      const fresh = cmd === CMD_ACK && this.answersLatest(sn, ts);
      if (this.acknowledgeUpTo(una) > 0) windowSlides = true;
      if (cmd === CMD_ACK) {
        this.acknowledge(sn);
        this.countFastAck(sn, ts);
        // only the first ACK of a segment, and only for its latest transmission, is a sample: a
        // repeat's late ACK (one that FEC rebuilt, from a kcp-go peer) or the late ACK of a copy sent
        // before a retransmission carries the ts of a transmission seconds old (docs/protocol.md §3.4)
        if (fresh) {
          sawAck = true;
          latestTs = ts;
        }
      } else if (cmd === CMD_PUSH) {
        let repeat = true;
        if (this.receiver.inWindow(sn)) {
          if (timediff(sn, this.receiver.next) >= 0) repeat = this.receiver.accept(sn, data.subarray(at, at + len));
          // a repeat FEC rebuilt is no news, and its ts may be seconds old (its group completed only
          // when later shards came): acknowledging it would hand the sender a bogus RTT sample
          if (regular || !repeat) this.acks.push(sn, ts, now);
        }
        if (regular && repeat) values[S.RepeatSegs]!++;
      } else if (cmd === CMD_WASK) {
        this.probe.tell();
      }
      at += len;
      segments++;
    }
    values[S.InSegs]! += segments;
    if (sawAck && regular) {
      const rtt = timediff(now >>> 0, latestTs);
      if (rtt >= 0) this.rto.sample(rtt, this.config.interval, this.minRto);
    }
    if (this.config.nc === 0 && timediff(this.sndUna, unaBefore) > 0) this.congestion.grow(this.rmtWnd);
    if (windowSlides) this.flush(now);
    else if (this.config.ackNoDelay && this.acks.count > 0) this.flush(now, true);
    return InputResult.OK;
  }

  private counted(segments: number, result: InputResult): InputResult {
    this.snmp.values[S.InSegs]! += segments;
    return result;
  }

  /** Drop every in-flight segment below `una`; returns how many. */
  private acknowledgeUpTo(una: number): number {
    let n = 0;
    while (this.sndBuf.length > 0 && timediff(una, this.sndBuf.first()!.sn) > 0) {
      this.pool.give(this.sndBuf.shift()!);
      n++;
    }
    this.sndUna = this.sndBuf.length > 0 ? this.sndBuf.first()!.sn : this.sndNxt;
    return n;
  }

  /**
   * `sn` is in flight, no ACK or una has covered it yet, and `ts` is that of its latest
   * transmission (Karn: an ACK for an earlier one cannot tell which copy arrived when).
   */
  private answersLatest(sn: number, ts: number): boolean {
    const seg = this.inFlightSegment(sn);
    return seg !== undefined && !seg.acked && timediff(ts, seg.ts) >= 0;
  }

  /** Mark one in-flight segment acknowledged (it stays until una passes it). */
  private acknowledge(sn: number): void {
    const seg = this.inFlightSegment(sn);
    if (seg) seg.acked = true;
  }

  /** The in-flight segment `sn` (sns in flight are contiguous from sndUna), if any. */
  private inFlightSegment(sn: number): Segment | undefined {
    if (timediff(sn, this.sndUna) < 0 || timediff(sn, this.sndNxt) >= 0) return undefined;
    const seg = this.sndBuf.at(timediff(sn, this.sndBuf.first()!.sn));
    return seg?.sn === sn ? seg : undefined;
  }

  /** kcp-go counts a skip only for segments sent no later than the acknowledged one. */
  private countFastAck(sn: number, ts: number): void {
    if (timediff(sn, this.sndUna) < 0 || timediff(sn, this.sndNxt) >= 0) return;
    for (let i = 0; i < this.sndBuf.length; i++) {
      const seg = this.sndBuf.at(i);
      if (timediff(sn, seg.sn) <= 0) break;
      if (timediff(seg.ts, ts) <= 0) seg.fastack++;
    }
  }

  // --------------------------------------------------------------- flushing

  /**
   * Send the ACKs queued by input, if any, and nothing else (docs/protocol.md §3.3) — except a
   * lone one within `loneAckDelay`: it waits for the reply's data, and the next flush is due by then.
   */
  flushAcks(now: number): void {
    if (this.acks.count === 0) return;
    if (!this.acks.mayHold(now, this.loneAckDelay)) this.flush(now, true);
    else if (timediff(this.acks.dueAt(this.loneAckDelay), this.nextFlushAt) < 0) this.nextFlushAt = this.acks.dueAt(this.loneAckDelay);
  }

  /**
   * Emit pending ACKs, window probes and (unless `ackOnly`) new and due
   * segments. Returns the ms until the next flush is due and sets `nextFlushAt`.
   */
  flush(now: number, ackOnly = false): number {
    now >>>= 0;
    const values = this.snmp.values;
    const wnd = this.receiver.unusedWindow();
    const una = this.receiver.next;
    const buf = this.buffer;
    let at = 0;
    let out = 0;

    // 1. ACKs, thinned: only sns not yet covered by una, plus the last one
    const acks = this.acks;
    const holdable = !ackOnly && acks.mayHold(now, this.loneAckDelay);
    for (let i = 0; i < acks.count; i++) {
      const sn = acks.sn(i);
      if (timediff(sn, una) >= 0 || i === acks.count - 1) {
        at = this.makeSpace(at, KCP_OVERHEAD);
        at = encodeHeader(buf, at, this.conv, CMD_ACK, 0, wnd, acks.ts(i), sn, una, 0);
        out++;
      }
    }
    acks.clear();
    if (ackOnly) {
      if (at > 0) this.output(buf.subarray(0, at));
      values[S.OutSegs]! += out;
      return this.config.interval;
    }

    // 2–3. zero-window probing, WASK / WINS
    this.probe.schedule(now, this.rmtWnd);
    const asks = this.probe.take();
    if (asks & ASK_SEND) {
      at = this.makeSpace(at, KCP_OVERHEAD);
      at = encodeHeader(buf, at, this.conv, CMD_WASK, 0, wnd, 0, 0, una, 0);
      out++;
    }
    if (asks & ASK_TELL) {
      at = this.makeSpace(at, KCP_OVERHEAD);
      at = encodeHeader(buf, at, this.conv, CMD_WINS, 0, wnd, 0, 0, una, 0);
      out++;
    }

    // 4. move queued segments into flight, within the window
    let cwnd = Math.min(this.config.sndWnd, this.rmtWnd);
    if (this.config.nc === 0) cwnd = Math.min(this.congestion.cwnd, cwnd);
    let newSegments = 0;
    while (this.sndQueue.length > 0 && newSegments < this.newSegmentLimit && timediff(this.sndNxt, (this.sndUna + cwnd) >>> 0) < 0) {
      const seg = this.sndQueue.shift()!;
      seg.sn = this.sndNxt;
      this.sndBuf.push(seg);
      this.sndNxt = (this.sndNxt + 1) >>> 0;
      newSegments++;
    }
    // new data held back by the pacer's budget is not "nothing new to send": no early retransmits then
    const heldBack = this.sndQueue.length > 0 && newSegments >= this.newSegmentLimit;

    // 5. first transmissions and retransmissions (retransmit.ts)
    const round = this.round;
    round.now = now;
    round.rxRto = this.rto.rto;
    round.newData = newSegments > 0 || heldBack;
    let nearest = this.config.interval;
    let lost = 0;
    let fast = 0;
    let early = 0;
    for (let i = 0; i < this.sndBuf.length; i++) {
      const seg = this.sndBuf.at(i);
      if (seg.acked) continue;
      const why = due(seg, round);
      if (why !== SEND_NONE) {
        if (why === SEND_FAST) fast++;
        else if (why === SEND_EARLY) early++;
        else if (why === SEND_TIMEOUT) lost++;
        seg.xmit++;
        seg.ts = now;
        at = this.makeSpace(at, KCP_OVERHEAD + seg.length);
        at = encodeHeader(buf, at, this.conv, CMD_PUSH, 0, wnd, now, seg.sn, una, seg.length);
        buf.set(seg.data.subarray(0, seg.length), at);
        at += seg.length;
        out++;
      }
      const dueIn = timediff(seg.resendts, now);
      if (dueIn > 0 && dueIn < nearest) nearest = dueIn;
    }
    if (holdable && out === 1 && at === KCP_OVERHEAD) {
      // only the lone ACK would leave: it stays queued for data or its deadline
      acks.restore(1);
      at = out = 0;
      nearest = Math.min(nearest, timediff(acks.dueAt(this.loneAckDelay), now));
    }
    if (at > 0) this.output(buf.subarray(0, at));

    values[S.OutSegs]! += out;
    values[S.LostSegs]! += lost;
    values[S.FastRetransSegs]! += fast;
    values[S.EarlyRetransSegs]! += early;
    values[S.RetransSegs]! += lost + fast + early;
    this.retransmitted += lost + fast + early;

    // 6. congestion window (only with nc = 0)
    if (this.config.nc === 0) this.congestion.afterFlush(fast + early, lost, this.inFlight, cwnd, round.resend);
    this.nextFlushAt = (now + nearest) >>> 0;
    return nearest;
  }

  /** Where the next `space` bytes go in the flush buffer: `at`, or 0 after sending what it holds (a method: no closure per flush). */
  private makeSpace(at: number, space: number): number {
    if (at + space <= this.buffer.length) return at;
    this.output(this.buffer.subarray(0, at));
    return 0;
  }

  /** Flush if `now` has reached `nextFlushAt`; returns the time the next flush is due. */
  update(now: number): number {
    if (timediff(now >>> 0, this.nextFlushAt) >= 0) this.flush(now);
    return this.nextFlushAt;
  }
}
