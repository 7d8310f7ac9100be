/** smux session configuration, kcptunB defaults, and validation at construction (docs/protocol.md §4.6, §7.3, §7.9). */
import { InvalidSmuxConfigError } from './errors.js';
import { MAX_PAYLOAD, SMUX_VERSION } from './frame.js';

export interface SmuxConfig {
  /** Frame version byte; only 1 (kcptunB is v1-only; stock v2 is incompatible with it). */
  version: number;
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
  version: SMUX_VERSION,
  keepAliveIntervalMs: 10_000,
  keepAliveTimeoutMs: 75_000,
  maxFrameSize: 32_767,
  maxReceiveBuffer: 4_194_304,
  enableStreamBuffer: true,
  maxStreamBuffer: 262_144,
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
  if (c.version !== SMUX_VERSION) throw new InvalidSmuxConfigError('version', c.version, `${SMUX_VERSION}`);
  int('keepAliveIntervalMs', 1, INT32_MAX);
  int('keepAliveTimeoutMs', 1, INT32_MAX);
  int('maxFrameSize', 1, MAX_PAYLOAD);
  int('maxReceiveBuffer', 1, INT32_MAX);
  int('maxStreamBuffer', 1, INT32_MAX);
  int('boostTimeoutMs', 0, INT32_MAX);
  int('writeHighWaterMark', 1, Number.MAX_SAFE_INTEGER);
  if (typeof c.enableStreamBuffer !== 'boolean') throw new InvalidSmuxConfigError('enableStreamBuffer', c.enableStreamBuffer, 'a boolean');
  return c;
}
