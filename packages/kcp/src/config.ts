/** KCP session configuration, the `--mode` profiles, and validation at construction (spec §3.5–3.7). */
import { INTERVAL_MAX, INTERVAL_MIN, KCP_OVERHEAD, MTU_MIN } from './constants.js';
import { InvalidKcpConfigError } from './errors.js';

export interface KcpConfig {
  /** Largest datagram, crypto + FEC + KCP (default 1350 in kcptun). */
  mtu: number;
  /** Bytes in front of the KCP bytes in every datagram (crypto 20, + 8 with FEC): mss = mtu − 24 − reserved. */
  reserved: number;
  sndWnd: number;
  rcvWnd: number;
  nodelay: number;
  /** Flush interval in ms, clamped to [10, 5000]. */
  interval: number;
  /** Fast-retransmit threshold in duplicate ACKs; 0 disables. */
  resend: number;
  /** 1 = no congestion window (all kcptun profiles), 0 = kcp-go congestion control. */
  nc: number;
  /** Flush ACKs right after every input (`--acknodelay`). */
  ackNoDelay: boolean;
  /**
   * First sequence number in both directions (0 in every real session; both
   * peers must agree). Lets tests cross the 2^32 wrap without 4·10^9 segments.
   */
  firstSn?: number;
}

export type KcpMode = 'normal' | 'fast' | 'fast2' | 'fast3' | 'manual';

/** nodelay / interval / resend / nc of the named profiles; any other name means manual. */
export const PROFILES: Readonly<Record<Exclude<KcpMode, 'manual'>, Pick<KcpConfig, 'nodelay' | 'interval' | 'resend' | 'nc'>>> = {
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

/** The config with a profile applied (manual keeps the given nodelay/interval/resend/nc). */
export function applyMode(config: KcpConfig, mode: string): KcpConfig {
  const profile = (PROFILES as Record<string, (typeof PROFILES)['fast'] | undefined>)[mode];
  return profile ? { ...config, ...profile } : { ...config };
}

/** Validate once, at construction; the error names the field. */
export function verifyKcpConfig(c: KcpConfig): KcpConfig {
  const int = (field: keyof KcpConfig, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new InvalidKcpConfigError(field, v, `an integer in [${min}, ${max}]`);
  };
  int('mtu', c.mtu, MTU_MIN, 1500);
  int('reserved', c.reserved, 0, c.mtu - KCP_OVERHEAD - 1);
  int('sndWnd', c.sndWnd, 1, 65535);
  int('rcvWnd', c.rcvWnd, 1, 65535);
  int('nodelay', c.nodelay, 0, 2);
  int('interval', c.interval, 0, 0x7fffffff);
  int('resend', c.resend, 0, 0x7fffffff);
  int('nc', c.nc, 0, 1);
  return { ...c, interval: Math.min(Math.max(c.interval, INTERVAL_MIN), INTERVAL_MAX) };
}
