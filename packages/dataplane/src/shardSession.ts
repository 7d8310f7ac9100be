/**
 * One KCP session inside a shard: the worker half of the data path, as a sans-I/O shell.
 *
 *   ring from control → snappy writer → KcpSession (KCP → FEC → crypt) → transmit(batch)
 *   receive(datagram) → KcpSession → snappy reader → ring to control
 *
 * `run(now)` does everything that is due and returns a Wakeup: the next KCP flush time and the
 * ring conditions it is blocked on. It never sleeps, sets a timer or touches a socket: the shard
 * (or the simulator) owns those and runs it through a RunQueue.
 *
 * Back-pressure: bytes are taken from the control ring only while KCP's send window has room, and
 * read from KCP only while the ring to control has room (KCP's receive window then closes towards
 * the peer). Nothing is dropped and nothing is buffered without bound.
 */
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { createDatagramCipher } from '@kcptunb/crypt';
import { nativeAes } from '@kcptunb/aesni';
import { KcpSession } from '@kcptunb/session';
import { SnappyFrameReader, SnappyFrameWriter } from '@kcptunb/snappy';
import { RingConsumer, RingProducer } from '@kcptunb/ring';
import { drainWait, RingWakeup, type Runnable, type Wakeup } from '@kcptunb/scheduler';
import type { SessionRings, SessionSettings } from './protocol.js';
import { keyHigh, keyLow, KEY_BYTES, type ReplayFilter } from './replayFilter.js';
import { S, type Snmp } from '@kcptunb/snmp';
import { DEAD_AFTER_MS, SilenceWatch } from './silenceWatch.js';
import { LINGER_MS } from './linger.js';

/** Bytes read from KCP per step towards the control ring. */
const READ_CHUNK = 64 * 1024;
/**
 * Datagrams decrypted per batch (a full inbox is decrypted at once and refilled). 32 keeps the
 * batch kernels' per-call costs amortised while a session's inbox costs 48 KiB of kernel memory
 * instead of 192 KiB (every live session holds one).
 */
const INBOX = 32;
/** Datagrams per sealed output batch. */
const OUTBOX = 64;

export interface ShardSessionOptions {
  kernels: Kernels;
  /** The shard's name for this session (unique per shard). */
  id: number;
  conv: number;
  settings: SessionSettings;
  rings: SessionRings;
  /** Sealed datagrams to send; the batch is reused after the call returns. */
  transmit: (batch: DatagramBatch) => void;
  snmp: Snmp;
  /** Server sessions end when their address starts a new conv, so the next datagram opens a fresh one. */
  replaceOnNewConv?: boolean;
  /** Server sessions: every datagram's key must be new to this filter (shared by the shard). */
  replay?: ReplayFilter;
  /** The opening datagram's first 8 bytes as received: the listener already entered them in `replay`. */
  openingNonce?: Uint8Array;
  /** Client sessions: end when the peer goes silent while we have data in flight (SilenceWatch). */
  watchSilence?: boolean;
}

export class ShardSession implements Runnable {
  readonly id: number;
  readonly conv: number;
  readonly session: KcpSession;
  private readonly writer: SnappyFrameWriter | undefined;
  private readonly reader: SnappyFrameReader | undefined;
  private readonly fromControl: RingConsumer;
  private readonly toControl: RingProducer;
  private readonly inbox: DatagramBatch;
  private readonly replaceOnNewConv: boolean;
  /** A decoded chunk the control ring had no room for. */
  private pendingToControl: Uint8Array | undefined;
  /** Bytes the control ring must fit before the pump can go on (0: not blocked). */
  private blockedOnSpace = 0;
  private readonly wakeup: RingWakeup;
  closed = false;
  closeReason = '';
  /** The peer's una when the session began: it moves once the peer acknowledges us. */
  private readonly firstUna: number;
  private readonly silence: SilenceWatch | undefined;
  /** When the control thread's ring was found closed and drained (the linger began). */
  private lingerSince: number | undefined;
  private readonly replay: ReplayFilter | undefined;
  /** The opening datagram's key, let through once (the listener entered it). */
  private openingKey: Uint8Array | undefined;
  /** Replay keys of the inbox's datagrams, read before they are decrypted in place: (lo, hi) per slot. */
  private readonly inboxKeys: Uint32Array | undefined;
  private readonly snmp: Snmp;

  constructor(options: ShardSessionOptions) {
    const { kernels, settings } = options;
    this.id = options.id;
    this.conv = options.conv;
    this.replaceOnNewConv = options.replaceOnNewConv ?? false;
    this.session = new KcpSession(kernels, {
      conv: options.conv,
      kcp: settings.kcp,
      cipher: createDatagramCipher(kernels, settings.crypt.method, settings.crypt.key, { nativeAes: nativeAes() }),
      dataShards: settings.fec.dataShards,
      parityShards: settings.fec.parityShards,
      snmp: options.snmp,
      batchCapacity: OUTBOX,
      onDatagrams: options.transmit,
      acceptDatagram: options.replay ? (decrypted, now) => this.enterKey(decrypted, now) : undefined,
      rateLimit: settings.rateLimit,
    });
    this.firstUna = this.session.kcp.una;
    if (options.watchSilence) this.silence = new SilenceWatch();
    if (settings.compression) {
      this.writer = new SnappyFrameWriter();
      this.reader = new SnappyFrameReader();
    }
    this.fromControl = new RingConsumer(options.rings.toShard);
    this.toControl = new RingProducer(options.rings.toControl);
    this.wakeup = new RingWakeup(this.fromControl, this.toControl);
    this.inbox = new DatagramBatch(kernels, INBOX);
    this.snmp = options.snmp;
    this.replay = options.replay;
    this.openingKey = options.openingNonce;
    this.inboxKeys = options.replay ? new Uint32Array(2 * INBOX) : undefined;
  }

  /** The peer has acknowledged something we sent: a live client, not a blind replayer (admission). */
  get proven(): boolean {
    return this.session.kcp.una !== this.firstUna;
  }

  /** A datagram for this session arrived (still encrypted); it is processed at the next `run`. */
  receive(datagram: Uint8Array, now: number): void {
    if (this.closed) return;
    if (datagram.length > this.inbox.stride) return; // cannot be valid: longer than any receive buffer
    // the opening datagram passes once: the listener entered its key already
    const opening = this.replay !== undefined && this.isOpening(datagram);
    if (this.replay && !opening && this.replay.seen(datagram)) {
      // a replay costs one table lookup, before any copy or decryption
      this.snmp.values[S.ReplayDrops]!++;
      return;
    }
    if (this.inbox.count === this.inbox.capacity) {
      // decrypting may grow kernel memory and detach a view into it: keep a copy across the drain
      const copy = datagram.slice();
      this.drainInbox(now);
      this.keepKey(copy, this.inbox.push(copy), opening);
      return;
    }
    this.keepKey(datagram, this.inbox.push(datagram), opening);
  }

  private isOpening(datagram: Uint8Array): boolean {
    const opening = this.openingKey;
    if (!opening || datagram.length < KEY_BYTES || !opening.every((b, i) => datagram[i] === b)) return false;
    this.openingKey = undefined;
    return true;
  }

  /** The key of the datagram in inbox `slot`, entered once it decrypts; (0, 0): none to enter (too short, or entered already). */
  private keepKey(datagram: Uint8Array, slot: number, entered: boolean): void {
    const keys = this.inboxKeys;
    if (!keys) return;
    const keyed = !entered && datagram.length >= KEY_BYTES;
    keys[2 * slot] = keyed ? keyLow(datagram) : 0;
    keys[2 * slot + 1] = keyed ? keyHigh(datagram) : 0;
  }

  /**
   * KcpSession asks for every inbox datagram that decrypted and passed its CRC: enter the key it
   * had on the wire (false: the same datagram twice in one inbox). The slot is found from the
   * view's place in kernel memory.
   */
  private enterKey(decrypted: Uint8Array, now: number): boolean {
    const slot = (decrypted.byteOffset - this.inbox.offset(0)) / this.inbox.stride;
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.inbox.count) return true; // not an inbox datagram
    const lo = this.inboxKeys![2 * slot]!;
    const hi = this.inboxKeys![2 * slot + 1]!;
    if (lo === 0 && hi === 0) return true; // the opening datagram: its key is in the filter already
    return this.replay!.admitKey(lo, hi, now);
  }

  /**
   * A whole received batch for this session (a connected socket's recvmmsg): handed to KCP now,
   * decrypted in place — no copy into the inbox. What the inbox already holds goes first, so the
   * order of arrival is kept. ACKs it causes wait for `run`, as for `receive`.
   */
  receiveBatch(batch: DatagramBatch, now: number): void {
    if (this.closed || batch.count === 0) return;
    if (this.replay) {
      // replay keys are read from the bytes as received, which only the inbox keeps
      for (let i = 0; i < batch.count; i++) this.receive(batch.view(i), now);
      return;
    }
    this.drainInbox(now);
    this.session.input(batch, now, true);
  }

  /** Run everything that is due: input, the ring in both directions, timers. */
  run(now: number): Wakeup {
    if (this.closed) return CLOSED;
    // read before pumping: a close seen here comes after every record it follows (ringWaits)
    const openAtStart = !this.fromControl.closedByProducer;
    try {
      this.drainInbox(now);
      // received data goes to the control thread before the ACKs it caused are sent: the
      // application sees it one send syscall sooner (latency)
      this.pumpToControl();
      this.session.transmitPending();
      this.pumpFromControl(now);
      this.session.update(now);
    } catch (e) {
      // the control side closed its rings while we were pumping (RingClosedError), or a bug:
      // end this session only, never the shard
      this.close(`session error: ${(e as Error).message}`);
      return CLOSED;
    }
    if (this.replaceOnNewConv && this.session.peerRestarted) this.close('the peer started a new conversation (new conv, sn 0)');
    else if (this.session.peerReset) this.close('reset by the peer: it ended this session or does not know it (restarted?)');
    else if (this.fromControl.closedByProducer && !this.fromControl.hasData) this.linger(now);
    else this.watchSilence(now);
    if (this.closed) return CLOSED;
    return this.ringWaits(now + this.session.msUntilFlush(now), openAtStart);
  }

  /**
   * The control thread finished this session: what is in flight still goes out (and is
   * retransmitted) until the peer has it all or LINGER_MS passed; then a reset tells the peer the
   * session is over (docs/protocol.md §3.10).
   */
  private linger(now: number): void {
    // both rings closed: the control thread dropped the session outright (its 'close' is on the way)
    if (this.toControl.closedByConsumer) return this.close('closed by control');
    this.lingerSince ??= now;
    if (this.session.kcp.waitSnd > 0 && now - this.lingerSince < LINGER_MS) return;
    this.session.sendReset();
    this.close('closed by control');
  }

  /** Client sessions: probe a silent peer while data is in flight, and give up on a dead one. */
  private watchSilence(now: number): void {
    if (!this.silence) return;
    const kcp = this.session.kcp;
    const verdict = this.silence.observe(now, kcp.inFlight > 0, this.session.lastHeardAt);
    if (verdict === 'probe') {
      kcp.askPeerWindow();
      this.session.flush(now);
    } else if (verdict === 'dead') {
      this.close(`the peer went silent: nothing heard for ${DEAD_AFTER_MS / 1000} s with data in flight and window probes unanswered`);
    }
  }

  /**
   * Due at `at`, or sooner for data from control while KCP takes more (drainWait: records held back
   * by KCP's window wait for input or the flush timer, which a full window always has) or for room
   * towards control.
   */
  private ringWaits(at: number, openAtStart: boolean): Wakeup {
    const waitData = drainWait(this.fromControl, openAtStart, this.session.canWrite);
    return this.wakeup.set(at, waitData, this.blockedOnSpace);
  }

  /** The state the audit's log line shows. */
  stallReport(): string {
    const kcp = this.session.kcp;
    return `session ${this.id}: inbox ${this.inbox.count}, from control ${this.fromControl.hasData ? 'has data' : 'empty'}${this.fromControl.closedByProducer ? ' (closed)' : ''}, KCP ${this.session.canWrite ? 'takes more' : 'window full'}, idle ${kcp.idle}, waitSnd ${kcp.waitSnd}, readable ${this.session.readable}, blocked on space ${this.blockedOnSpace}`;
  }

  /**
   * Work a run would do now (the scheduler's audit of lost wake-ups): input waiting, records KCP
   * can take, a finished ring to act on, bytes for a ring to control that has room for them.
   */
  canProgress(): boolean {
    if (this.closed) return false;
    if (this.inbox.count > 0) return true;
    if (this.fromControl.hasData ? this.session.canWrite : this.fromControl.closedByProducer) return true;
    if (this.blockedOnSpace > 0) return this.toControl.canFit(this.blockedOnSpace);
    return this.session.readable > 0 && this.toControl.canFit(1);
  }

  private drainInbox(now: number): void {
    if (this.inbox.count === 0) return;
    this.session.input(this.inbox, now, true);
    this.inbox.clear();
  }

  /** KCP → (snappy) → ring to control, published (and the control thread woken) once per pump. */
  private pumpToControl(): void {
    this.blockedOnSpace = 0;
    this.toControl.batch(this.fillToControl);
  }

  /** KCP → (snappy) → ring to control, while the ring has room. */
  private readonly fillToControl = (): void => {
    if (this.pendingToControl) {
      if (!this.toControl.tryPush(this.pendingToControl)) return this.blockOnSpace(this.pendingToControl.length);
      this.pendingToControl = undefined;
    }
    for (;;) {
      if (this.reader) {
        let chunk = this.reader.read();
        while (chunk) {
          if (!this.toControl.tryPush(chunk)) {
            this.pendingToControl = chunk.slice();
            return this.blockOnSpace(chunk.length);
          }
          chunk = this.reader.read();
        }
        if (this.reader.error) return this.close(`snappy: ${this.reader.error.message}`);
        if (this.session.readable === 0) return;
        // only what KCP holds: a fresh 64-KiB array per small message costs a zeroed allocation
        // (and the garbage collector) on every ping
        const space = this.reader.reserve(Math.min(READ_CHUNK, this.session.readable));
        this.reader.commit(this.session.read(space));
      } else {
        if (this.session.readable === 0) return;
        const want = Math.min(this.session.readable, READ_CHUNK);
        const view = this.toControl.reserve(want);
        if (!view) return this.blockOnSpace(want);
        this.toControl.commit(this.session.read(view));
      }
    }
  };

  private blockOnSpace(bytes: number): void {
    this.blockedOnSpace = bytes;
  }

  /** Ring from control → (snappy) → KCP, while KCP's send window has room. */
  private pumpFromControl(now: number): void {
    let sent = false;
    while (this.session.canWrite && this.fromControl.hasData) {
      this.fromControl.drain(this.sendRecord, 1);
      sent = true;
    }
    if (sent) this.session.flush(now);
  }

  private readonly sendRecord = (record: Uint8Array): void => {
    if (this.writer) for (const piece of this.writer.write(record)) this.session.send(piece);
    else this.session.send(record);
  };

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.session.close();
    this.inbox.dispose();
    this.fromControl.close();
    this.toControl.close();
  }
}

const CLOSED: Wakeup = Object.freeze({ at: Infinity, rings: [] });

