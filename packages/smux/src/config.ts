/** smux session configuration, kcptunB defaults, and validation at construction (docs/protocol.md §4.6, §4.8, §7.3, §7.9). */
import { InvalidSmuxConfigError } from './errors.js';
import { MAX_PAYLOAD, SMUX_VERSION, SMUX_VERSION_2 } from './frame.js';

/**
 * Whose smux the session speaks (docs/protocol.md §4.8): `kcptunb` = cs8425/smux (cmd 4 is
 * ACK, 5/6 FUL/EMP, version 1); `stock` = xtaci/smux (cmd 4 is UPD, nothing above 4,
 * version 1 or 2, NOP(0) every interval, silence judged per keepalive timeout).
 */
export type SmuxDialect = 'kcptunb' | 'stock';

export interface SmuxConfig {
  dialect: SmuxDialect;
  /** Frame version byte: 1, or 2 in the stock dialect (upstream `--smuxver`). */
  version: number;
  /**
   * Stock dialect, accepting side: take whichever stock version (1 or 2) the peer's first
   * frame carries for the whole session (docs/protocol.md §4.8), so one server serves
   * Debian (v1) and upstream (v2) clients. Default false.
   */
  adoptPeerVersion: boolean;
  /** kcptunB `--keepalivems` (default 10 000): heartbeat interval / compat NOP period. */
  keepAliveIntervalMs: number;
  /** kcptunB `--keepalive-timeout` (default 75 000): how long to wait for liveness. */
  keepAliveTimeoutMs: number;
  /** kcptunB `--maxframe` (default 32 767, 1..65535): largest PSH payload we send. */
  maxFrameSize: number;
  /** kcptunB `--sockbuf` (default 4 MiB): session receive budget, bytes delivered but unread. */
  maxReceiveBuffer: number;
  /** kcptunB `--streambuf-en` (default true): ACK/FUL/EMP on; false = stock-compatible wire (cmds 0–3). */
  enableStreamBuffer: boolean;
  /** kcptunB `--streambuf` (default 256 KiB): per-stream FUL hard limit and initial guess. */
  maxStreamBuffer: number;
  /** Stock v2 per-stream receive window advertised in UPD (upstream `--streambuf`, default 2 MiB). */
  streamWindow: number;
  /**
   * kcptunB `boosttimeout` (ms): how long a stream may stay above its guessed
   * buffer need before FUL. kcptunB effectively uses 0 from the CLI (docs/protocol.md §4.6.5);
   * here the declared default 10 000 works.
   */
  boostTimeoutMs: number;
  /**
   * Bytes written to a stream but not yet sent above which `write()` returns
   * false (then a `stream-writable` event follows once it drains to half).
   * Default 262 144 = kcptunB `--pipebuf`, the most one blocked Go Write holds.
   */
  writeHighWaterMark: number;
}

export const DEFAULT_SMUX_CONFIG: Readonly<SmuxConfig> = Object.freeze({
  dialect: 'kcptunb',
  version: SMUX_VERSION,
  adoptPeerVersion: false,
  keepAliveIntervalMs: 10_000,
  keepAliveTimeoutMs: 75_000,
  maxFrameSize: 32_767,
  maxReceiveBuffer: 4_194_304,
  enableStreamBuffer: true,
  maxStreamBuffer: 262_144,
  streamWindow: 2_097_152,
  boostTimeoutMs: 10_000,
  writeHighWaterMark: 262_144,
});

const INT32_MAX = 0x7fffffff;

/** Fill defaults and validate once; the error names the field. */
export function verifySmuxConfig(partial: Partial<SmuxConfig> = {}): SmuxConfig {
  const c: SmuxConfig = { ...DEFAULT_SMUX_CONFIG, ...partial };
  const int = (field: keyof SmuxConfig, min: number, max: number) => {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidSmuxConfigError(field, v, `an integer in [${min}, ${max}]`);
    }
  };
  if (c.dialect !== 'kcptunb' && c.dialect !== 'stock') throw new InvalidSmuxConfigError('dialect', c.dialect, "'kcptunb' or 'stock'");
  if (c.dialect === 'kcptunb' && c.version !== SMUX_VERSION) throw new InvalidSmuxConfigError('version', c.version, `${SMUX_VERSION} (kcptunB speaks smux v1 only)`);
  if (c.version !== SMUX_VERSION && c.version !== SMUX_VERSION_2) throw new InvalidSmuxConfigError('version', c.version, `${SMUX_VERSION} or ${SMUX_VERSION_2}`);
  if (typeof c.adoptPeerVersion !== 'boolean' || (c.adoptPeerVersion && c.dialect !== 'stock')) throw new InvalidSmuxConfigError('adoptPeerVersion', c.adoptPeerVersion, 'a boolean, true only in the stock dialect');
  if (c.dialect === 'stock' && c.enableStreamBuffer) throw new InvalidSmuxConfigError('enableStreamBuffer', c.enableStreamBuffer, 'false in the stock dialect (ACK/FUL/EMP are kcptunB frames)');
  int('keepAliveIntervalMs', 1, INT32_MAX);
  int('keepAliveTimeoutMs', 1, INT32_MAX);
  int('maxFrameSize', 1, MAX_PAYLOAD);
  int('maxReceiveBuffer', 1, INT32_MAX);
  int('maxStreamBuffer', 1, INT32_MAX);
  int('streamWindow', 1, INT32_MAX);
  // stock smux refuses a timeout below the interval
  if (c.dialect === 'stock' && c.keepAliveTimeoutMs < c.keepAliveIntervalMs) throw new InvalidSmuxConfigError('keepAliveTimeoutMs', c.keepAliveTimeoutMs, `at least keepAliveIntervalMs (${c.keepAliveIntervalMs}) in the stock dialect`);
  int('boostTimeoutMs', 0, INT32_MAX);
  int('writeHighWaterMark', 1, Number.MAX_SAFE_INTEGER);
  if (typeof c.enableStreamBuffer !== 'boolean') throw new InvalidSmuxConfigError('enableStreamBuffer', c.enableStreamBuffer, 'a boolean');
  return c;
}
