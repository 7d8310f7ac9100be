/**
 * Which program's flag meanings a command line and `-c` file use (docs/protocol.md §7.10):
 * kcptunB's (the default) or upstream kcptun's. Chosen by `--dialect` (JSON
 * "dialect"), otherwise by the flags themselves: any kcptun-only flag or JSON key
 * means kcptun. Mixing kcptun-only and kcptunB-only flags without `--dialect` is a
 * ConfigError; so is a flag the chosen dialect does not have, or a kcptun feature
 * kcptunb does not implement.
 */
import { ConfigError } from './configError.js';
import type { TunnelConfig } from './tunnelConfig.js';

export type FlagDialect = 'kcptunb' | 'kcptun';

/** Flags (long names) only upstream kcptun has. */
export const KCPTUN_ONLY_FLAGS: readonly string[] = ['smuxver', 'smuxbuf', 'framesize', 'ratelimit', 'closewait', 'QPP', 'QPPCount', 'tcp'];
/** Client flags only upstream kcptun's client has (kcptunB has them on the server only). */
export const KCPTUN_CLIENT_ONLY_FLAGS: readonly string[] = ['pprof'];
/** Flags only kcptunB has. */
export const KCPTUNB_ONLY_FLAGS: readonly string[] = ['streambuf-en', 'keepalivems', 'keepalive-timeout', 'maxframe', 'pipebuf', 'streamboost', 'ser', 'tfo', 'dns'];
/** kcptun's `--streambuf` default: the smux v2 per-stream window (kcptunB: the pause threshold, 262 144). */
export const KCPTUN_STREAMBUF = 2_097_152;
/** Upstream's server `--closewait` default in seconds (its client's is 0, as in the flag table). */
export const KCPTUN_SERVER_CLOSEWAIT = 30;
/** Longest close wait accepted: one day (a typo of minutes for seconds should not pin sockets for weeks). */
export const KCPTUN_MAX_CLOSEWAIT = 86_400;
/** Stock smux's keepalive timeout, which kcptun cannot change. */
export const KCPTUN_KEEPALIVE_TIMEOUT_MS = 30_000;

/**
 * Decide the dialect from `--dialect` and the flags given (command line and JSON,
 * by long name), apply the dialect's own defaults, and refuse what cannot run.
 */
export function applyFlagDialect(config: TunnelConfig, given: ReadonlySet<string>): FlagDialect {
  // kcptunB's client has no --pprof; upstream's has (its configs carry "pprof")
  const kcptunOnlyHere = config.side === 'client' ? [...KCPTUN_ONLY_FLAGS, ...KCPTUN_CLIENT_ONLY_FLAGS] : KCPTUN_ONLY_FLAGS;
  const kcptunOnly = kcptunOnlyHere.filter((f) => given.has(f));
  const kcptunbOnly = KCPTUNB_ONLY_FLAGS.filter((f) => given.has(f));
  let dialect: FlagDialect;
  if (config.dialect === 'kcptun' || config.dialect === 'kcptunb') dialect = config.dialect;
  else if (config.dialect !== '') throw new ConfigError(`invalid --dialect ${JSON.stringify(config.dialect)}: allowed values are kcptunb, kcptun`);
  else if (kcptunOnly.length > 0 && kcptunbOnly.length > 0) {
    throw new ConfigError(`kcptun-only --${kcptunOnly[0]} and kcptunB-only --${kcptunbOnly[0]} together: say --dialect kcptun or --dialect kcptunb`);
  } else dialect = kcptunOnly.length > 0 ? 'kcptun' : 'kcptunb';

  const foreign = dialect === 'kcptun' ? kcptunbOnly : kcptunOnly;
  if (foreign.length > 0) throw new ConfigError(`--${foreign[0]} is not a flag of the ${dialect === 'kcptun' ? 'kcptun' : 'kcptunB'} dialect (--dialect ${dialect})`);
  config.dialect = dialect;
  if (dialect === 'kcptunb') return dialect;

  if (config.tcp) throw new ConfigError('--tcp: raw-socket fake TCP (tcpraw) is not supported; use plain UDP');
  if (config.qpp) throw new ConfigError('--QPP: Quantum Permutation Pads are not supported (docs/deviations.md row 31)');
  if (!Number.isInteger(config.closeWait) || config.closeWait < 0 || config.closeWait > KCPTUN_MAX_CLOSEWAIT) {
    throw new ConfigError(`invalid --closewait ${config.closeWait}: expected seconds in [0, ${KCPTUN_MAX_CLOSEWAIT}]`);
  }
  if (!given.has('closewait') && config.side === 'server') config.closeWait = KCPTUN_SERVER_CLOSEWAIT;
  if (!given.has('streambuf')) config.streamBuf = KCPTUN_STREAMBUF;
  return dialect;
}
