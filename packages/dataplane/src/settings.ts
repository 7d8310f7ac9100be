/** What a shard runs the KCP sessions of one tunnel with: one settings object per layer. */
import type { CryptSettings } from '@kcptunb/crypt';
import type { FecSettings } from '@kcptunb/fec';
import type { KcpSettings } from '@kcptunb/kcp';

/** The UDP socket options of every session socket and the server listener (docs/protocol.md §7.2, §7.3). */
export interface SocketSettings {
  /** SO_RCVBUF / SO_SNDBUF in bytes (the kernel caps them at rmem_max / wmem_max). */
  sockBuf: number;
  /** DSCP code point (6 bits) for the outgoing datagrams; 0 leaves the socket's default. */
  dscp: number;
}

export interface SessionSettings {
  kcp: KcpSettings;
  fec: FecSettings;
  crypt: CryptSettings;
  /** Snappy framing of the stream (false = `--nocomp`). */
  compression: boolean;
  socket: SocketSettings;
  /** Upstream kcptun `--ratelimit`: pace each session's datagrams to this many bytes/s; 0/absent = off. */
  rateLimit?: number;
}

/** A SocketSettings field out of range; names the field. */
export class InvalidSocketSettingsError extends Error {
  readonly code = 'ERR_SOCKET_SETTINGS';
  constructor(readonly field: keyof SocketSettings, readonly value: unknown, readonly expected: string) {
    super(`invalid socket ${field}: ${String(value)} (expected ${expected})`);
    this.name = 'InvalidSocketSettingsError';
  }
}

/** Check the socket options; the InvalidSocketSettingsError names the field. */
export function verifySocketSettings(s: SocketSettings): SocketSettings {
  const int = (field: keyof SocketSettings, min: number, max: number) => {
    const v = s[field];
    if (!Number.isInteger(v) || v < min || v > max) throw new InvalidSocketSettingsError(field, v, `an integer in [${min}, ${max}]`);
  };
  // setsockopt takes a C int
  int('sockBuf', 1, 0x7fffffff);
  int('dscp', 0, 63);
  return s;
}
