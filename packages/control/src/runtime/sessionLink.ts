/**
 * Binds one smux session (control thread) to the rings of its KCP session (data-plane shard), as
 * a sans-I/O shell:
 *
 *   smux output → ring to shard        ring from shard → smux input
 *
 * `run(now)` moves what it can, turns smux events into handler calls and returns a Wakeup (the
 * smux keepalive time and the ring conditions it is blocked on). It sets no timer and never
 * sleeps: the control thread's RealtimeDriver (or the simulator) runs it through a RunQueue.
 * Back-pressure: smux output waits for ring space; the ring from the shard is drained only while
 * smux wants input (its receive budget), so a slow TCP reader eventually closes KCP's window
 * towards the peer.
 */
import { maxPayloadBytes, RingBuffer, RingConsumer, RingProducer } from '@kcptunb/ring';
import { drainWait, IDLE, RingWakeup, type RunQueue, type Runnable, type Wakeup } from '@kcptunb/scheduler';
import type { SessionRings } from '@kcptunb/dataplane';
import type { SmuxError, SmuxSession, SmuxStream } from '@kcptunb/smux';

/** Largest record put on the ring at once. */
const MAX_RECORD = 64 * 1024;

export interface SessionLinkHandlers {
  onAccepted?(stream: SmuxStream): void;
  onReadable(stream: SmuxStream): void;
  onWritable(stream: SmuxStream): void;
  onClosed(error: SmuxError | null): void;
}

export class SessionLink implements Runnable {
  private readonly toShard: RingProducer;
  private readonly fromShard: RingConsumer;
  private readonly wakeup: RingWakeup;
  /** `run`'s `now`, for the bound record handler (no closure per drain). */
  private now = 0;
  /** Largest record put on the ring to the shard. */
  private readonly recordBytes: number;
  /** A chunk of smux output the ring to the shard had no room for. */
  private pendingOut: Uint8Array | undefined;
  private ended = false;

  constructor(
    readonly smux: SmuxSession,
    rings: SessionRings,
    private readonly handlers: SessionLinkHandlers,
    private readonly queue: RunQueue<Runnable>,
  ) {
    this.toShard = new RingProducer(rings.toShard);
    this.recordBytes = Math.min(MAX_RECORD, maxPayloadBytes(RingBuffer.capacityOf(rings.toShard)));
    this.fromShard = new RingConsumer(rings.toControl);
    this.wakeup = new RingWakeup(this.fromShard, this.toShard);
    queue.add(this);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** smux output is waiting for the ring to the shard. */
  get hasOutput(): boolean {
    return !this.ended && (this.pendingOut !== undefined || this.smux.hasOutput);
  }

  /** Run soon (coalesced): call after any stream write, read or close. */
  schedule(): void {
    this.queue.markDirty(this);
  }

  run(now: number): Wakeup {
    if (this.ended) return IDLE;
    this.now = now;
    // read before draining: a close seen here comes after every record it follows (ringWaits)
    const openAtStart = !this.fromShard.closedByProducer;
    // 1. received bytes into smux, within its budget: one record at a time, so the budget is
    //    overshot by at most one record (≤ 64 KiB), never by a whole batch of them
    while (this.smux.wantsInput && this.fromShard.hasData) {
      this.fromShard.drain(this.inputRecord, 1);
    }
    if (this.fromShard.closedByProducer && !this.fromShard.hasData && !this.smux.closed) {
      this.smux.close(); // the shard ended the KCP session
    }
    // 2. timers (keepalive)
    if (now >= this.smux.nextWakeAt) this.smux.tick(now);
    // 3. events
    if (!this.handleEvents()) return IDLE;
    // 4. frames to the shard, published (and the shard woken) once
    if (this.outputDone) return this.ringWaits(openAtStart);
    try {
      this.toShard.batch(this.flushOutput);
      if (this.finishing && !this.pendingOut) {
        // every FIN is in the ring: closing our end tells the shard to deliver, then reset (docs/protocol.md §3.10)
        this.outputDone = true;
        this.toShard.close();
      }
    } catch {
      // the shard closed the ring (its KCP session ended)
      this.smux.close();
      this.handleEvents();
      this.end(null);
      return IDLE;
    }
    // taking output can make streams writable again ('stream-writable'): run again this turn
    // rather than wait for some unrelated wake-up (freed receive budget is the data wait's)
    if (this.smux.hasEvents) this.schedule();
    return this.ringWaits(openAtStart);
  }

  /** The keepalive's time, and the rings: data while smux takes input (drainWait), room for what is pending. */
  private ringWaits(openAtStart: boolean): Wakeup {
    const waitData = drainWait(this.fromShard, openAtStart, this.smux.wantsInput);
    return this.wakeup.set(this.smux.nextWakeAt, waitData, this.pendingOut ? this.pendingOut.length : 0);
  }

  /** The state the audit's log line shows. */
  stallReport(): string {
    return `link: from shard ${this.fromShard.hasData ? 'has data' : 'empty'}${this.fromShard.closedByProducer ? ' (closed)' : ''}, smux ${this.smux.wantsInput ? 'wants input' : 'budget spent'}, events ${this.smux.hasEvents}, output ${this.smux.hasOutput}, pending ${this.pendingOut?.length ?? 0}`;
  }

  /**
   * Work a run would do now (the scheduler's audit of lost wake-ups): records smux would take,
   * a close of the ring to act on, events to hand out, output the ring has room for.
   */
  canProgress(): boolean {
    if (this.ended) return false;
    const input = this.fromShard.hasData ? this.smux.wantsInput : this.fromShard.closedByProducer && !this.smux.closed;
    if (input || this.smux.hasEvents) return true;
    if (this.outputDone) return false;
    if (this.pendingOut) return this.toShard.canFit(this.pendingOut.length);
    return this.smux.hasOutput && this.toShard.canFit(1);
  }

  private readonly inputRecord = (record: Uint8Array): void => this.smux.input(record, this.now);

  /** Hand smux events to the handlers; false once the session has ended. */
  private handleEvents(): boolean {
    for (const e of this.smux.takeEvents()) {
      switch (e.type) {
        case 'stream-accepted':
          this.handlers.onAccepted?.(e.stream);
          break;
        case 'stream-readable':
          this.handlers.onReadable(e.stream);
          break;
        case 'stream-writable':
          this.handlers.onWritable(e.stream);
          break;
        case 'session-closed':
          this.end(e.error);
          return false;
      }
    }
    return !this.ended;
  }

  private readonly flushOutput = (): void => {
    if (this.pendingOut) {
      if (!this.toShard.tryPush(this.pendingOut)) return;
      this.pendingOut = undefined;
    }
    while (this.smux.hasOutput) {
      // frames are encoded straight into the ring; a buffer is taken only when the ring has less
      // than a whole record of room (what does not fit then waits in pendingOut)
      const room = this.toShard.reserve(this.recordBytes);
      if (room) {
        const n = this.smux.takeOutputInto(room);
        if (n === 0) {
          this.toShard.cancel();
          return;
        }
        this.toShard.commit(n);
        continue;
      }
      const chunk = this.smux.takeOutput(this.recordBytes);
      if (!chunk) return;
      if (!this.toShard.tryPush(chunk)) {
        this.pendingOut = chunk;
        return;
      }
    }
  };

  private end(error: SmuxError | null): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.delete(this);
    this.toShard.close();
    this.fromShard.close();
    this.handlers.onClosed(error);
  }

  private finishing = false;
  private outputDone = false;

  /**
   * Graceful end: close every stream (FIN after what each has queued), hand that to the shard and
   * close the ring towards it. The shard delivers it, sends a reset and ends the KCP session; its
   * 'closed' answer ends this link (docs/protocol.md §3.10).
   */
  finish(): void {
    if (this.ended || this.finishing) return;
    this.finishing = true;
    this.smux.closeStreams();
    this.schedule();
  }

  /** Close the smux session locally (nothing is sent on the wire, docs/protocol.md §3.9). */
  close(): void {
    if (this.ended) return;
    this.smux.close();
    this.handleEvents();
    this.end(null);
  }
}
