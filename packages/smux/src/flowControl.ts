/**
 * kcptunB's receive-side pause/resume heuristic for one stream (docs/protocol.md §4.6.3).
 * It decides when to send FUL ("pause") and EMP ("resume"); the frames
 * themselves are queued by the stream. Pure: time and RTT are passed in.
 *
 * State as in the spec: `used` (received, not yet read), `countRead` (read
 * since the last arrival), `guess` (starts at maxStreamBuffer), `needed`,
 * `lastArrival`, `boostUntil`, `resumed` (starts true). FUL only when
 * `resumed`, EMP only when not, so they strictly alternate, FUL first.
 */

export const FLOW_NONE = 0;
export const FLOW_PAUSE = 1; // send FUL
export const FLOW_RESUME = 2; // send EMP
export type FlowDecision = typeof FLOW_NONE | typeof FLOW_PAUSE | typeof FLOW_RESUME;

const INT32_MAX = 0x7fffffff;
const NS_PER_MS = 1_000_000;

export class StreamFlowControl {
  used = 0;
  countRead = 0;
  guess: number;
  needed = 0;
  lastArrival: number;
  boostUntil: number;
  resumed = true;

  constructor(
    private readonly maxStreamBuffer: number,
    private readonly boostTimeoutMs: number,
    now: number,
  ) {
    this.guess = maxStreamBuffer;
    this.lastArrival = now;
    this.boostUntil = now + boostTimeoutMs;
  }

  /** A PSH of `n` bytes arrived for this stream. */
  onArrival(n: number, now: number): FlowDecision {
    this.used += n;
    const readSinceLastArrival = this.countRead;
    this.countRead = 0;
    if (this.used > this.maxStreamBuffer) return this.pause(); // hard limit
    if (readSinceLastArrival !== 0) {
      this.lastArrival = now;
      this.guess = Math.trunc((8 * this.guess + 2 * this.needed) / 10);
    }
    if (this.used <= this.guess) {
      this.boostUntil = now + this.boostTimeoutMs;
      return FLOW_NONE;
    }
    if (now > this.boostUntil) return this.pause();
    return FLOW_NONE;
  }

  /**
   * The application read `n` bytes. `needed` = bytes read since the last
   * arrival × ⌊RTT / (time since the last arrival + 1 ns)⌋ — "how much the
   * reader would drain in one RTT". kcptunB computes this in wrapping 32-bit
   * arithmetic; here it saturates at 2^31−1 (a fast reader must mean "resume",
   * never a wrapped negative number). Our clock counts whole ms, so an RTT
   * sample of 0 means "under 1 ms" and is taken as 1 ms; with 0 the guess
   * would decay to nothing and a fast reader would flap FUL/EMP on loopback.
   */
  onRead(n: number, now: number, rttMs: number): FlowDecision {
    this.used -= n;
    this.countRead = Math.min(this.countRead + n, INT32_MAX);
    const dtNs = Math.max(0, Math.round((now - this.lastArrival) * NS_PER_MS)) + 1;
    const ratio = Math.floor(Math.round(Math.max(rttMs, 1) * NS_PER_MS) / dtNs);
    this.needed = Math.min(this.countRead * ratio, INT32_MAX);
    if (this.used <= 0 || this.needed >= this.used) return this.resume();
    return FLOW_NONE;
  }

  /** The application tried to read with nothing buffered. */
  onEmptyRead(): FlowDecision {
    return this.resume();
  }

  private pause(): FlowDecision {
    if (!this.resumed) return FLOW_NONE;
    this.resumed = false;
    return FLOW_PAUSE;
  }

  private resume(): FlowDecision {
    if (this.resumed) return FLOW_NONE;
    this.resumed = true;
    return FLOW_RESUME;
  }
}
