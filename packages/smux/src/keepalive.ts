/**
 * The two kcptunB keepalive modes (docs/protocol.md §4.6.1, §4.6.2, §7.5) and stock's (§4.8), as timers
 * driven by the session's `tick(now)`. Each sends NOPs through the host and
 * reports death through it; neither reads a clock.
 *
 * Liveness exemption (both modes, taken from stock smux v1.5.16): a window with
 * no incoming frame does not kill the session while the receive budget is
 * exhausted, because then it is this side that stopped reading input.
 */
import { KeepaliveTimeoutError } from './errors.js';

export interface KeepaliveHost {
  /** Queue NOP(sid) ahead of data. */
  sendNop(sid: number): void;
  /** End the session. */
  die(error: KeepaliveTimeoutError): void;
}

export interface Keepalive {
  /** When `tick` next has work (ms, same clock as `now`). */
  readonly nextWakeAt: number;
  /** Round-trip estimate in ms (heartbeat mode; compat keeps the initial 500). */
  readonly rttMs: number;
  /** Any valid frame arrived. */
  onFrame(): void;
  /** An ACK (cmd 4) arrived; only the heartbeat uses it. */
  onAck(sid: number, now: number): void;
  /** Run due timers. `inputStalled`: the receive budget is exhausted, so silence proves nothing. */
  tick(now: number, inputStalled: boolean): void;
}

/** RTT estimate before any ACK (kcptunB). */
export const INITIAL_RTT_MS = 500;

/**
 * `--streambuf-en=0` (docs/protocol.md §4.6.1): NOP(counter) at creation, then every
 * W = min(interval, timeout); the session dies when a whole W window passed
 * without any incoming frame. Incoming NOPs are not answered.
 */
export class CompatKeepalive implements Keepalive {
  readonly rttMs = INITIAL_RTT_MS;
  private counter = 0;
  private heard = false;
  private readonly windowMs: number;
  nextWakeAt: number;

  constructor(private readonly host: KeepaliveHost, intervalMs: number, timeoutMs: number, now: number) {
    this.windowMs = Math.min(intervalMs, timeoutMs);
    this.ping();
    this.nextWakeAt = now + this.windowMs;
  }

  onFrame(): void {
    this.heard = true;
  }

  onAck(): void {}

  tick(now: number, inputStalled: boolean): void {
    if (now < this.nextWakeAt) return;
    if (!this.heard && !inputStalled) {
      this.nextWakeAt = Infinity;
      this.host.die(new KeepaliveTimeoutError('compat', this.windowMs));
      return;
    }
    this.heard = false;
    this.ping();
    this.nextWakeAt = now + this.windowMs;
  }

  private ping(): void {
    this.counter = (this.counter + 1) >>> 0;
    this.host.sendNop(this.counter);
  }
}

/**
 * `--streambuf-en` (docs/protocol.md §4.6.2): NOP(++counter) and wait up to `timeout` for
 * ACK(counter). ACK → RTT = now − ping time, next ping after `interval`.
 * Timeout → dead if no frame at all arrived since that ping, else ping again
 * after `interval`. ACKs for any other sid are ignored.
 *
 * "Since the last check" is taken as "since the ping was sent", so a dead
 * peer is detected `timeout` after the first unanswered ping: at most
 * interval + timeout after its last frame.
 */
export class HeartbeatKeepalive implements Keepalive {
  rttMs = INITIAL_RTT_MS;
  private counter = 0;
  private awaitingAck = false;
  private pingSentAt = 0;
  private heard = false;
  nextWakeAt = 0;

  constructor(
    private readonly host: KeepaliveHost,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    now: number,
  ) {
    this.ping(now);
  }

  onFrame(): void {
    this.heard = true;
  }

  onAck(sid: number, now: number): void {
    if (!this.awaitingAck || sid !== this.counter) return;
    this.rttMs = Math.max(0, now - this.pingSentAt);
    this.awaitingAck = false;
    this.nextWakeAt = now + this.intervalMs;
  }

  tick(now: number, inputStalled: boolean): void {
    if (now < this.nextWakeAt) return;
    if (!this.awaitingAck) {
      this.ping(now);
      return;
    }
    // no ACK within the timeout
    if (!this.heard && !inputStalled) {
      this.nextWakeAt = Infinity;
      this.host.die(new KeepaliveTimeoutError('heartbeat', this.timeoutMs));
      return;
    }
    this.awaitingAck = false;
    this.nextWakeAt = now + this.intervalMs;
  }

  private ping(now: number): void {
    this.counter = (this.counter + 1) >>> 0;
    this.pingSentAt = now;
    this.awaitingAck = true;
    this.heard = false;
    this.nextWakeAt = now + this.timeoutMs;
    this.host.sendNop(this.counter);
  }
}

/**
 * Stock smux (docs/protocol.md §4.5, §4.8): NOP(sid 0) every `interval`, the first one
 * interval after the start; every `timeout` the session dies unless some frame arrived
 * since the previous check. Incoming NOPs are not answered. This is the rule a stock
 * peer's own timing is built for: its NOPs every 10 s always land in a 30 s check.
 */
export class StockKeepalive implements Keepalive {
  readonly rttMs = INITIAL_RTT_MS;
  private heard = false;
  private nextPingAt: number;
  private nextCheckAt: number;

  constructor(private readonly host: KeepaliveHost, private readonly intervalMs: number, private readonly timeoutMs: number, now: number) {
    this.nextPingAt = now + intervalMs;
    this.nextCheckAt = now + timeoutMs;
  }

  get nextWakeAt(): number {
    return Math.min(this.nextPingAt, this.nextCheckAt);
  }

  onFrame(): void {
    this.heard = true;
  }

  onAck(): void {}

  tick(now: number, inputStalled: boolean): void {
    if (now >= this.nextCheckAt) {
      if (!this.heard && !inputStalled) {
        this.nextPingAt = this.nextCheckAt = Infinity;
        this.host.die(new KeepaliveTimeoutError('stock', this.timeoutMs));
        return;
      }
      this.heard = false;
      this.nextCheckAt = now + this.timeoutMs;
    }
    if (now >= this.nextPingAt) {
      this.host.sendNop(0);
      this.nextPingAt = now + this.intervalMs;
    }
  }
}
