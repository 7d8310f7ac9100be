/**
 * Builds the effective TunnelConfig the way kcptunB does (spec §7.8):
 * defaults → environment (KCPTUN_KEY, when --key is absent) → command line →
 * JSON file (-c) on top → the --mode profile → keepalivems fallback.
 * Then everything is validated; the first problem is a ConfigError.
 */
import { readFileSync } from 'node:fs';
import { CIPHER_NAMES } from '@kcptunb/crypt';
import { PROFILES } from '@kcptunb/kcp';
import { ConfigError } from './configError.js';
import { flagsFor, type FlagSpec } from './flags.js';
import { parseBool, parseGoArgs, parseInt64 } from './goArgs.js';
import type { Side, TunnelConfig } from './tunnelConfig.js';

export const MODES = ['normal', 'fast', 'fast2', 'fast3', 'manual'] as const;
export const SERVICES: Readonly<Record<Side, readonly string[]>> = { client: ['raw', 'socks5', 'http'], server: ['raw', 'fast'] };

export type ResolveResult = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: TunnelConfig };

export function defaultConfig(side: Side): TunnelConfig {
  const c = { side } as Record<string, unknown>;
  for (const f of flagsFor(side)) c[f.field] = Array.isArray(f[side]) ? [...(f[side] as string[])] : f[side];
  // fields the other side's flags carry, so the object is always complete
  for (const [k, v] of Object.entries({ conn: 1, autoExpire: 0, scavengeTtl: 600, dns: [], pprof: false })) if (!(k in c)) c[k] = v;
  return c as unknown as TunnelConfig;
}

function coerce(spec: FlagSpec, text: string, what: string): TunnelConfig[keyof TunnelConfig] {
  switch (spec.kind) {
    case 'bool':
      return parseBool(text, what);
    case 'int':
      return parseInt64(text, what);
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return text;
  }
}

function fromJson(spec: FlagSpec, value: unknown, file: string): TunnelConfig[keyof TunnelConfig] {
  const what = `"${spec.json}" in ${file}`;
  switch (spec.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw new ConfigError(`${what} must be true or false`);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new ConfigError(`${what} must be an integer`);
      return value;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ConfigError(`${what} must be an array of strings`);
      return [...value];
    default:
      if (typeof value !== 'string') throw new ConfigError(`${what} must be a string`);
      return value;
  }
}

export function resolveConfig(side: Side, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ResolveResult {
  const specs = flagsFor(side);
  const parsed = parseGoArgs(argv, specs);
  if (parsed.help) return { kind: 'help' };
  if (parsed.version) return { kind: 'version' };
  const config = defaultConfig(side) as unknown as Record<string, unknown>;
  const given = new Set<string>();
  for (const f of parsed.flags) {
    config[f.spec.field] = coerce(f.spec, f.value, `flag ${f.spelled}`);
    given.add(f.spec.name);
  }
  if (!given.has('key') && env.KCPTUN_KEY !== undefined && env.KCPTUN_KEY !== '') config.key = env.KCPTUN_KEY;

  const file = config.configFile as string;
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`config file ${file} must hold a JSON object`);
    for (const spec of specs) {
      if (spec.json && Object.hasOwn(json, spec.json)) config[spec.field] = fromJson(spec, (json as Record<string, unknown>)[spec.json], file);
    }
  }

  const c = config as unknown as TunnelConfig;
  const profile = (PROFILES as Record<string, (typeof PROFILES)['fast'] | undefined>)[c.mode];
  if (profile) {
    c.noDelay = profile.nodelay;
    c.interval = profile.interval;
    c.resend = profile.resend;
    c.noCongestion = profile.nc;
  }
  if (c.keepAliveMs === 0) c.keepAliveMs = c.keepAlive * 1000;
  validateConfig(c);
  return { kind: 'run', config: c };
}

/** Range checks, each naming the flag and what it allows. */
export function validateConfig(c: TunnelConfig): void {
  const int = (flag: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`invalid --${flag} ${v}: must be an integer from ${min} to ${max}`);
  };
  const oneOf = (flag: string, v: string, allowed: readonly string[]) => {
    if (!allowed.includes(v)) throw new ConfigError(`invalid --${flag} "${v}": allowed values are ${allowed.join(', ')}`);
  };
  oneOf('crypt', c.crypt, CIPHER_NAMES);
  oneOf('mode', c.mode, MODES);
  oneOf('ser', c.ser, SERVICES[c.side]);
  int('mtu', c.mtu, 50, 1500);
  int('sndwnd', c.sndWnd, 1, 65535);
  int('rcvwnd', c.rcvWnd, 1, 65535);
  int('datashard', c.dataShard, 0, 256);
  int('parityshard', c.parityShard, 0, 256);
  if (c.dataShard + c.parityShard > 256) throw new ConfigError(`invalid --datashard ${c.dataShard} with --parityshard ${c.parityShard}: together at most 256`);
  int('dscp', c.dscp, 0, 63);
  int('nodelay', c.noDelay, 0, 1);
  int('interval', c.interval, 1, 1_000_000);
  int('resend', c.resend, 0, 1_000_000);
  int('nc', c.noCongestion, 0, 1);
  int('sockbuf', c.sockBuf, 1, 2 ** 31 - 1);
  int('streambuf', c.streamBuf, 1, 2 ** 31 - 1);
  int('streamboost', c.streamBoost, 0, 2 ** 31 - 1);
  int('maxframe', c.maxFrame, 1, 65535);
  int('pipebuf', c.pipeBuf, 1, 2 ** 30);
  int('keepalive', c.keepAlive, 0, 2 ** 31 - 1);
  int('keepalivems', c.keepAliveMs, 1, 2 ** 31 - 1);
  int('keepalive-timeout', c.keepAliveTimeout, 1, 2 ** 31 - 1);
  int('snmpperiod', c.snmpPeriod, 0, 2 ** 31 - 1);
  if (c.side === 'client') {
    int('conn', c.conn, 1, 65535);
    int('autoexpire', c.autoExpire, 0, 2 ** 31 - 1);
    int('scavengettl', c.scavengeTtl, -1, 2 ** 31 - 1);
  }
  if (!/^.*:\d{1,5}$/.test(c.listen)) throw new ConfigError(`invalid --${c.side === 'client' ? 'localaddr' : 'listen'} "${c.listen}": expected host:port or :port`);
  if (!/^.+:\d{1,5}$/.test(c.remote)) throw new ConfigError(`invalid --${c.side === 'client' ? 'remoteaddr' : 'target'} "${c.remote}": expected host:port`);
}
