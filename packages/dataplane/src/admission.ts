/**
 * Which would-be new server sessions get in (docs/deviations.md): token buckets on session
 * creation per source host and for the whole listener, and a session cap. When the cap is reached
 * a newcomer may take the place of the oldest session still on probation — one whose peer has
 * never acknowledged anything we sent after `probationMs` (a blind replayer or spoofer never
 * does; a real client acknowledges the server's first smux NOP within one round trip). Pure:
 * the caller passes `now` and the listener's view of its sessions.
 */

export interface AdmissionSettings {
  /** Most concurrent sessions per listening shard. */
  maxSessions: number;
  /** Remember accepted nonces and drop replays (ReplayFilter). */
  replayFilter: boolean;
}

export interface AdmissionLimits {
  /** New sessions per second per source host (IP), and the burst allowed above it. */
  perHostPerSec: number;
  perHostBurst: number;
  /** New sessions per second for the whole listener, and its burst. */
  globalPerSec: number;
  globalBurst: number;
  /** How long a session may go without proof of a live peer before it can be displaced. */
  probationMs: number;
  /** Hosts whose buckets are remembered at once (the least recently used is forgotten). */
  maxHosts: number;
}

export const DEFAULT_ADMISSION_LIMITS: Readonly<AdmissionLimits> = {
  perHostPerSec: 50,
  perHostBurst: 100,
  globalPerSec: 500,
  globalBurst: 1000,
  probationMs: 3000,
  maxHosts: 4096,
};

/** Memory a server session may cost at most (rings, kernel batches, KCP/smux state), for the default cap. */
export const SESSION_BUDGET_BYTES = 1 << 20;

/**
 * The default session cap: a quarter of the memory the process may use, at SESSION_BUDGET_BYTES
 * a session, within [64, 16384].
 */
export function defaultMaxSessions(availableBytes: number): number {
  return Math.max(64, Math.min(16384, Math.floor(availableBytes / 4 / SESSION_BUDGET_BYTES)));
}

class TokenBucket {
  tokens: number;
  at: number;
  constructor(readonly burst: number, readonly perSec: number, now: number) {
    this.tokens = burst;
    this.at = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSec) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** A session as admission sees it. */
export interface Candidate {
  id: number;
  openedAt: number;
  /** The peer has acknowledged something this side sent. */
  proven: boolean;
}

export type Decision =
  | { admit: true; evict?: number }
  | { admit: false; reason: 'host-rate' | 'global-rate' | 'full' };

export class Admission {
  private readonly hosts = new Map<string, TokenBucket>();
  private readonly global: TokenBucket;

  constructor(
    readonly maxSessions: number,
    readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS,
    now = 0,
  ) {
    this.global = new TokenBucket(limits.globalBurst, limits.globalPerSec, now);
  }

  /**
   * A datagram that decrypted and names a conv (and is no replay) wants to open a session from
   * `host`. `live` are the sessions held now. Rate limits apply before the cap, so a flood spends
   * its tokens without displacing anyone faster than the buckets allow.
   */
  decide(host: string, now: number, live: number, sessions: () => Iterable<Candidate>): Decision {
    const bucket = this.bucketOf(host, now);
    if (!bucket.take(now)) return { admit: false, reason: 'host-rate' };
    if (!this.global.take(now)) return { admit: false, reason: 'global-rate' };
    if (live < this.maxSessions) return { admit: true };
    let oldest: Candidate | undefined;
    for (const s of sessions()) {
      if (s.proven || now - s.openedAt < this.limits.probationMs) continue;
      if (!oldest || s.openedAt < oldest.openedAt) oldest = s;
    }
    return oldest ? { admit: true, evict: oldest.id } : { admit: false, reason: 'full' };
  }

  private bucketOf(host: string, now: number): TokenBucket {
    let b = this.hosts.get(host);
    if (b) {
      // most recently used last: the first entry is the one to forget
      this.hosts.delete(host);
    } else {
      if (this.hosts.size >= this.limits.maxHosts) this.hosts.delete(this.hosts.keys().next().value!);
      b = new TokenBucket(this.limits.perHostBurst, this.limits.perHostPerSec, now);
    }
    this.hosts.set(host, b);
    return b;
  }
}
