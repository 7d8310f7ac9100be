/**
 * One KCP session inside a shard: the worker half of the data path.
 *
 *   ring from control → snappy writer → KcpSession (KCP → FEC → crypt) → UDP
 *   UDP → KcpSession → snappy reader → ring to control
 *
 * Back-pressure: bytes are taken from the control ring only while KCP's send
 * window has room, and read from KCP only while the ring to control has room
 * (KCP's receive window then closes towards the peer). Nothing is dropped and
 * nothing is buffered without bound.
 */
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { createDatagramCipher } from '@kcptunb/crypt';
import { KcpSession } from '@kcptunb/session';
import { SnappyFrameReader, SnappyFrameWriter } from '@kcptunb/snappy';
import { RingConsumer, RingProducer } from '@kcptunb/ring';
import type { Snmp } from '@kcptunb/snmp';
import type { SessionRings, SessionSettings } from './protocol.js';

/** Bytes read from KCP per step towards the control ring. */
const READ_CHUNK = 64 * 1024;
/** Datagrams decrypted per batch. */
const INBOX = 128;

export class ShardSession {
  readonly session: KcpSession;
  private readonly writer: SnappyFrameWriter | undefined;
  private readonly reader: SnappyFrameReader | undefined;
  private readonly fromControl: RingConsumer;
  private readonly toControl: RingProducer;
  private readonly inbox: DatagramBatch;
  private readonly readBuffer = new Uint8Array(READ_CHUNK);
  /** A decoded chunk the control ring had no room for. */
  private pendingToControl: Uint8Array | undefined;
  private waitingForData = false;
  private waitingForSpace = false;
  closed = false;
  closeReason = '';

  constructor(
    kernels: Kernels,
    readonly id: number,
    readonly conv: number,
    settings: SessionSettings,
    rings: SessionRings,
    transmit: (datagram: Uint8Array) => void,
    snmp: Snmp,
    /** Called when this session needs the shard to run it again (ring activity). */
    private readonly wake: () => void,
  ) {
    this.session = new KcpSession(kernels, {
      conv,
      kcp: settings.kcp,
      cipher: createDatagramCipher(kernels, settings.crypt.method, settings.crypt.key),
      dataShards: settings.fec.dataShards,
      parityShards: settings.fec.parityShards,
      snmp,
      batchCapacity: 64,
      onDatagrams: (batch) => {
        for (let i = 0; i < batch.count; i++) transmit(batch.view(i));
      },
    });
    if (settings.compression) {
      this.writer = new SnappyFrameWriter();
      this.reader = new SnappyFrameReader();
    }
    this.fromControl = new RingConsumer(rings.toShard);
    this.toControl = new RingProducer(rings.toControl);
    this.inbox = new DatagramBatch(kernels, INBOX);
  }

  /** A datagram for this session arrived (still encrypted). */
  receive(datagram: Uint8Array, now: number): void {
    if (this.closed) return;
    if (datagram.length > this.inbox.stride) return; // cannot be valid: longer than any receive buffer
    if (this.inbox.count === this.inbox.capacity) this.drainInbox(now);
    this.inbox.push(datagram);
  }

  /** Run everything that is due: input, the ring in both directions, timers. */
  run(now: number): void {
    if (this.closed) return;
    try {
      this.drainInbox(now);
      this.pumpToControl(); // received data first: the ACKs it caused go out right after
      this.session.transmitPending();
      this.pumpFromControl(now);
      this.session.update(now);
    } catch (e) {
      // the control side closed its rings while we were pumping (RingClosedError), or a bug:
      // end this session only, never the shard
      this.close(`session error: ${(e as Error).message}`);
      return;
    }
    if (this.replaceOnNewConv && this.session.peerRestarted) this.close('the peer started a new conversation (new conv, sn 0)');
    else if (this.fromControl.closedByProducer && !this.fromControl.hasData) this.close('closed by control');
  }

  /** Server sessions end when their address starts a new conv, so the next datagram opens a fresh one. */
  replaceOnNewConv = false;

  /** When this session next needs `run` for its timers. */
  msUntilDue(now: number): number {
    return this.closed ? Infinity : this.session.msUntilFlush(now);
  }

  private drainInbox(now: number): void {
    if (this.inbox.count === 0) return;
    this.session.input(this.inbox, now, true);
    this.inbox.clear();
  }

  /** KCP → (snappy) → ring to control, published (and the control thread woken) once per pump. */
  private pumpToControl(): void {
    this.toControl.batch(() => this.fillToControl());
  }

  /** KCP → (snappy) → ring to control, while the ring has room. */
  private fillToControl(): void {
    if (this.pendingToControl) {
      if (!this.toControl.tryPush(this.pendingToControl)) return this.awaitSpace(this.pendingToControl.length);
      this.pendingToControl = undefined;
    }
    for (;;) {
      if (this.reader) {
        let chunk = this.reader.read();
        while (chunk) {
          if (!this.toControl.tryPush(chunk)) {
            this.pendingToControl = chunk.slice();
            return this.awaitSpace(chunk.length);
          }
          chunk = this.reader.read();
        }
        if (this.reader.error) return this.close(`snappy: ${this.reader.error.message}`);
        if (this.session.readable === 0) return;
        const space = this.reader.reserve(READ_CHUNK);
        this.reader.commit(this.session.read(space));
      } else {
        if (this.session.readable === 0) return;
        const view = this.toControl.reserve(Math.min(this.session.readable, READ_CHUNK));
        if (!view) return this.awaitSpace(Math.min(this.session.readable, READ_CHUNK));
        this.toControl.commit(this.session.read(view));
      }
    }
  }

  /** Ring from control → (snappy) → KCP, while KCP's send window has room. */
  private pumpFromControl(now: number): void {
    let sent = false;
    while (this.session.canWrite && this.fromControl.hasData) {
      this.fromControl.drain((record) => {
        if (this.writer) for (const piece of this.writer.write(record)) this.session.send(piece);
        else this.session.send(record);
      }, 1);
      sent = true;
    }
    if (sent) this.session.flush(now);
    if (!this.fromControl.hasData && !this.waitingForData && !this.fromControl.closedByProducer) {
      this.waitingForData = true;
      void this.fromControl.waitForData().then(() => {
        this.waitingForData = false;
        this.wake();
      });
    }
  }

  private awaitSpace(bytes: number): void {
    if (this.waitingForSpace) return;
    this.waitingForSpace = true;
    void this.toControl.waitForSpace(bytes).then(() => {
      this.waitingForSpace = false;
      this.wake();
    });
  }

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
