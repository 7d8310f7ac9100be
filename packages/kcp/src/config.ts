/** KCP session settings, the `--mode` profiles, and their validation (docs/protocol.md §3.5–3.7). */
import { INTERVAL_MAX, INTERVAL_MIN, KCP_OVERHEAD, MTU_MIN } from './constants.js';
import { InvalidKcpConfigError } from './errors.js';

/** What a user configures for KCP (flags, JSON, mode profile). */
export interface KcpSettings {
  /** Largest datagram, crypto + FEC + KCP (default 1350 in kcptun). */
  mtu: number;
  sndWnd: number;
  rcvWnd: number;
  nodelay: number;
  /** Flush interval in ms, clamped to [10, 5000] when a Kcp is built. */
  interval: number;
  /** Fast-retransmit threshold in duplicate ACKs; 0 disables. */
  resend: number;
  /** 1 = no congestion window (all kcptun profiles), 0 = kcp-go congestion control. */
  nc: number;
  /** Flush ACKs right after every input (`--acknodelay`). */
  ackNoDelay: boolean;
}

/** What a Kcp is built with: the settings plus what the packet layers around it decide. */
export interface KcpConfig extends KcpSettings {
  /** Bytes in front of the KCP bytes in every datagram (crypto 20, + 8 with FEC): mss = mtu − 24 − reserved. */
  reserved: number;
  /**
   * First sequence number in both directions (0 in every real session; both
   * peers must agree). Lets tests cross the 2^32 wrap without 4·10^9 segments.
   */
  firstSn?: number;
  /**
   * How long (ms) a lone ACK may wait for data to ride on, or for a second ACK (docs/protocol.md
   * §3.3); 0 or absent: ACKs leave at the next flush, as in kcp-go.
   */
  loneAckDelay?: number;
}

export type KcpMode = 'normal' | 'fast' | 'fast2' | 'fast3' | 'manual';

export type KcpProfile = Pick<KcpSettings, 'nodelay' | 'interval' | 'resend' | 'nc'>;

/** nodelay / interval / resend / nc of the named profiles; any other name means manual. */
export const PROFILES: Readonly<Record<Exclude<KcpMode, 'manual'>, KcpProfile>> = {
  normal: { nodelay: 0, interval: 40, resend: 2, nc: 1 },
  fast: { nodelay: 0, interval: 30, resend: 2, nc: 1 },
  fast2: { nodelay: 1, interval: 20, resend: 2, nc: 1 },
  fast3: { nodelay: 1, interval: 10, resend: 2, nc: 1 },
};

export const DEFAULT_KCP_CONFIG: Readonly<KcpConfig> = {
  mtu: 1350,
  reserved: 28,
  sndWnd: 128,
  rcvWnd: 512,
  ...PROFILES.fast,
  ackNoDelay: false,
};

/** The settings with a profile applied (manual keeps the given nodelay/interval/resend/nc). */
export function applyMode<T extends KcpSettings>(settings: T, mode: string): T {
  const profile = Object.hasOwn(PROFILES, mode) ? PROFILES[mode as keyof typeof PROFILES] : undefined;
  return profile ? { ...settings, ...profile } : { ...settings };
}

const int = (field: string, v: number, min: number, max: number) => {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidKcpConfigError(field, v, `an integer in [${min}, ${max}]`);
};

/** Check user-facing KCP settings; the InvalidKcpConfigError names the field. */
export function verifyKcpSettings(s: KcpSettings): KcpSettings {
  int('mtu', s.mtu, MTU_MIN, 1500);
  int('sndWnd', s.sndWnd, 1, 65535);
  int('rcvWnd', s.rcvWnd, 1, 65535);
  int('nodelay', s.nodelay, 0, 2);
  int('interval', s.interval, 0, 0x7fffffff);
  int('resend', s.resend, 0, 0x7fffffff);
  int('nc', s.nc, 0, 1);
  if (typeof s.ackNoDelay !== 'boolean') throw new InvalidKcpConfigError('ackNoDelay', s.ackNoDelay, 'a boolean');
  return s;
}

/** Validate once, at construction, and clamp the interval; the error names the field. */
export function verifyKcpConfig(c: KcpConfig): KcpConfig {
  verifyKcpSettings(c);
  int('reserved', c.reserved, 0, c.mtu - KCP_OVERHEAD - 1);
  return { ...c, interval: Math.min(Math.max(c.interval, INTERVAL_MIN), INTERVAL_MAX) };
}
