/**
 * The library's options: the flags of each side (config/flags.ts), named as the long flag with
 * its dashes camel-cased (`sndwnd`, `streambufEn`, `keepaliveTimeout`, `QPPCount`), with the
 * same defaults, and checked by the same path as the command line (checkedSettings), so a bad
 * value is the same ConfigError the CLI prints. Not options: `-c` (pass an object) and the
 * KCPTUN_KEY environment variable (the CLI reads it; a library takes `key`).
 */
import { ConfigError } from '../config/configError.js';
import { flagsFor, setField, type FlagSpec, type FlagValue } from '../config/flags.js';
import { checkLogFile } from '../config/logFile.js';
import { checkedSettings, defaultConfig } from '../config/resolve.js';
import type { Side, TunnelConfig } from '../config/tunnelConfig.js';
import type { TunnelSettings } from '../config/tunnelSettings.js';

/** Option name → the TunnelConfig field it sets, for the flags both sides have. */
const COMMON_OPTIONS = {
  key: 'key', crypt: 'crypt', mode: 'mode', mtu: 'mtu', sndwnd: 'sndWnd', rcvwnd: 'rcvWnd', datashard: 'dataShard', parityshard: 'parityShard',
  dscp: 'dscp', nocomp: 'noComp', acknodelay: 'ackNoDelay', nodelay: 'noDelay', interval: 'interval', resend: 'resend', nc: 'noCongestion',
  sockbuf: 'sockBuf', streambufEn: 'streamBufEnabled', streambuf: 'streamBuf', streamboost: 'streamBoost', maxframe: 'maxFrame', pipebuf: 'pipeBuf',
  keepalive: 'keepAlive', keepalivems: 'keepAliveMs', keepaliveTimeout: 'keepAliveTimeout', ser: 'ser', snmplog: 'snmpLog', snmpperiod: 'snmpPeriod',
  log: 'log', quiet: 'quiet', tfo: 'tfo', dialect: 'dialect', smuxver: 'smuxVer', smuxbuf: 'smuxBuf', framesize: 'frameSize', ratelimit: 'rateLimit',
  closewait: 'closeWait', QPP: 'qpp', QPPCount: 'qppCount', tcp: 'tcp', metrics: 'metrics', dashboard: 'dashboard', pprof: 'pprof',
} as const satisfies Record<string, keyof TunnelConfig>;
export const CLIENT_OPTIONS = { ...COMMON_OPTIONS, localaddr: 'listen', remoteaddr: 'remote', conn: 'conn', autoexpire: 'autoExpire', scavengettl: 'scavengeTtl' } as const;
export const SERVER_OPTIONS = { ...COMMON_OPTIONS, listen: 'listen', target: 'remote', dns: 'dns', maxsessions: 'maxSessions', replayFilter: 'replayFilter' } as const;

type FlagOptions<M extends Record<string, keyof TunnelConfig>> = { -readonly [K in keyof M]?: TunnelConfig[M[K]] };

/** The client's flags as options. Without `localaddr` the client accepts no TCP: streams come from openStream(). */
export type ClientFlagOptions = Omit<FlagOptions<typeof CLIENT_OPTIONS>, 'pprof'> & { pprof?: string | boolean };
/** The server's flags as options; `pprof` (on both sides) also takes true (its bare form) or false. */
export type ServerFlagOptions = Omit<FlagOptions<typeof SERVER_OPTIONS>, 'pprof'> & { pprof?: string | boolean };

/** The option name of a flag: its long name, dashes camel-cased. */
export function optionName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Options that are not flags, per side (the API objects read them). */
const API_ONLY: Readonly<Record<Side, readonly string[]>> = { client: ['logger'], server: ['handler', 'logger'] };

function optionValue(spec: FlagSpec, name: string, value: unknown): FlagValue {
  const what = `option ${name}`;
  const bad = (expected: string) => new ConfigError(`invalid value ${typeof value === 'string' ? JSON.stringify(value) : String(value)} for ${what}: ${expected}`);
  // a flag with a bare form (--pprof) takes booleans as the command line and JSON do
  if (spec.bare && typeof value === 'boolean') return value ? spec.bare.value : '';
  switch (spec.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad('not an integer');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw bad('not a boolean');
      return value;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad('not an array of strings');
      return [...value];
    default:
      if (typeof value !== 'string') throw bad('not a string');
      return value;
  }
}

export interface ResolvedOptions {
  settings: TunnelSettings;
  /** The option names that were given (a client without `localaddr` does not listen). */
  given: ReadonlySet<string>;
}

/** Defaults, then the options, then the command line's checks: settings a tunnel can start with. */
export function resolveOptions(side: Side, options: Readonly<Record<string, unknown>>): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${side} options must be an object`);
  const specs = new Map(flagsFor(side).filter((f) => f.name !== 'c').map((f) => [optionName(f.name), f] as const));
  const config: TunnelConfig = defaultConfig(side);
  const givenFlags = new Set<string>();
  const given = new Set<string>();
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || API_ONLY[side].includes(name)) continue;
    const spec = specs.get(name);
    if (!spec) throw new ConfigError(`unknown option "${name}" (not a ${side} option)`);
    setField(config, spec, optionValue(spec, name, value));
    givenFlags.add(spec.name);
    given.add(name);
  }
  const settings = checkedSettings(config, givenFlags);
  checkLogFile(config.log);
  return { settings, given };
}

/** Every option name of a side, flags first (the docs and tests list them). */
export function optionNames(side: Side): string[] {
  return [...flagsFor(side).filter((f) => f.name !== 'c').map((f) => optionName(f.name)), ...API_ONLY[side]];
}
