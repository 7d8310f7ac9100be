/**
 * Binds one smux session (control thread) to the rings of its KCP session
 * (data-plane shard):
 *
 *   smux output → ring to shard        ring from shard → smux input
 *
 * It owns the smux keepalive timer and turns smux events into callbacks.
 * Back-pressure: smux output waits for ring space; the ring from the shard is
 * drained only while smux wants input (its receive budget), so a slow TCP
 * reader eventually closes KCP's window towards the peer.
 */
import { RingConsumer, RingProducer } from '@kcptunb/ring';
import type { SessionRings } from '@kcptunb/dataplane';
import type { SmuxError, SmuxSession, SmuxStream } from '@kcptunb/smux';
import { nowMs } from './clock.js';

/** Largest record put on the ring at once. */
const MAX_RECORD = 64 * 1024;

export interface SessionLinkHandlers {
  onAccepted?(stream: SmuxStream): void;
  onReadable(stream: SmuxStream): void;
  onWritable(stream: SmuxStream): void;
  onClosed(error: SmuxError | null): void;
}

export class SessionLink {
  private readonly toShard: RingProducer;
  private readonly fromShard: RingConsumer;
  private pendingOut: Uint8Array | undefined;
  private scheduled = false;
  private waitingForData = false;
  private waitingForSpace = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private ended = false;

  constructor(readonly smux: SmuxSession, rings: SessionRings, private readonly handlers: SessionLinkHandlers) {
    this.toShard = new RingProducer(rings.toShard);
    this.fromShard = new RingConsumer(rings.toControl);
    this.schedule();
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Run the pump soon (coalesced): call after any stream write, read or close. */
  schedule(): void {
    if (this.scheduled || this.ended) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.ended) return;
    const now = nowMs();
    // 1. received bytes into smux, within its budget
    while (this.smux.wantsInput && this.fromShard.hasData) {
      this.fromShard.drain((record) => this.smux.input(record, now), 64);
    }
    if (this.fromShard.closedByProducer && !this.fromShard.hasData && !this.smux.closed) {
      this.smux.close(); // the shard ended the KCP session
    }
    // 2. timers (keepalive)
    if (now >= this.smux.nextWakeAt) this.smux.tick(now);
    // 3. events
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
          return;
      }
    }
    // 4. frames to the shard, published (and the shard woken) once
    try {
      this.toShard.batch(() => this.flushOutput());
    } catch {
      // the shard closed the ring (its KCP session ended)
      this.smux.close();
      this.end(null);
      return;
    }
    // taking output can make streams writable again ('stream-writable'): handle those events now,
    // or an upload whose socket was paused would wait for some unrelated wake-up
    if (this.smux.hasEvents) {
      this.schedule();
      return;
    }
    this.arm(now);
  }

  private flushOutput(): void {
    for (;;) {
      const chunk = this.pendingOut ?? this.smux.takeOutput(MAX_RECORD);
      if (!chunk) return;
      if (!this.toShard.tryPush(chunk)) {
        this.pendingOut = chunk;
        if (!this.waitingForSpace) {
          this.waitingForSpace = true;
          void this.toShard.waitForSpace(chunk.length).then(() => {
            this.waitingForSpace = false;
            this.schedule();
          });
        }
        return;
      }
      this.pendingOut = undefined;
    }
  }

  private arm(now: number): void {
    if (!this.fromShard.hasData && !this.waitingForData && !this.fromShard.closedByProducer) {
      this.waitingForData = true;
      void this.fromShard.waitForData().then(() => {
        this.waitingForData = false;
        this.schedule();
      });
    } else if (this.fromShard.hasData && this.smux.wantsInput) {
      this.schedule();
    }
    const at = this.smux.nextWakeAt;
    if (at === Infinity) return;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }

  private end(error: SmuxError | null): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.toShard.close();
    this.fromShard.close();
    this.handlers.onClosed(error);
  }

  /** Close the smux session locally (nothing is sent on the wire, spec §3.9). */
  close(): void {
    if (this.ended) return;
    this.smux.close();
    this.pump();
    if (!this.ended) this.end(null);
  }
}
