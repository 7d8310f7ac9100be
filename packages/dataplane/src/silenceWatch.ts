/**
 * Dead-peer detection for a client session (docs/protocol.md §3.10, docs/deviations.md): KCP's
 * own evidence, not the smux keepalive. While we have segments in flight and the peer has sent
 * nothing for PROBE_AFTER_MS, every PROBE_EVERY_MS a window probe (WASK) goes out; any peer,
 * kcp-go's included, answers one with a WINS. The peer counts as dead once it has been silent for
 * DEAD_AFTER_MS with at least MIN_PROBES probes unanswered. On a link that loses 20% each way a
 * probe round trip fails with p = 0.36, so a live peer misses 12 in a row with p ≈ 5·10⁻⁶ per
 * silent spell — and its retransmission ACKs are further chances. Pure: the caller passes `now`.
 */

export const PROBE_AFTER_MS = 1000;
export const PROBE_EVERY_MS = 300;
export const DEAD_AFTER_MS = 6000;
export const MIN_PROBES = 12;

export type SilenceVerdict = 'alive' | 'probe' | 'dead';

export class SilenceWatch {
  /** When segments went in flight with nothing heard since (undefined: nothing in flight). */
  private inFlightSince: number | undefined;
  private heardAt = -Infinity;
  private probes = 0;
  private nextProbeAt = 0;

  /**
   * `inFlight`: we have unacknowledged segments; `lastHeardAt`: when the peer's last authentic
   * datagram arrived. Says whether to probe now, or that the peer is dead.
   */
  observe(now: number, inFlight: boolean, lastHeardAt: number): SilenceVerdict {
    if (lastHeardAt !== this.heardAt) {
      this.heardAt = lastHeardAt;
      this.probes = 0;
    }
    if (!inFlight) {
      this.inFlightSince = undefined;
      this.probes = 0;
      return 'alive';
    }
    this.inFlightSince ??= now;
    const quietSince = Math.max(this.inFlightSince, lastHeardAt);
    const quiet = now - quietSince;
    if (quiet >= DEAD_AFTER_MS && this.probes >= MIN_PROBES) return 'dead';
    if (quiet >= PROBE_AFTER_MS && now >= this.nextProbeAt) {
      this.probes++;
      this.nextProbeAt = now + PROBE_EVERY_MS;
      return 'probe';
    }
    return 'alive';
  }
}
