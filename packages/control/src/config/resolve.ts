/**
 * Builds the effective TunnelConfig the way kcptunB does (docs/protocol.md §7.8):
 * defaults → environment (KCPTUN_KEY, when --key is absent) → command line →
 * JSON file (-c) on top. Flag syntax (integers, booleans, enumerations) is
 * checked here; everything else by tunnelSettings(), which every run goes
 * through before anything starts. The first problem is a ConfigError.
 */
import { readFileSync } from 'node:fs';
import type { KcpMode } from '@kcptunb/kcp';
import { ConfigError } from './configError.js';
import { flagsFor, setField, type FlagSpec, type FlagValue } from './flags.js';
import { parseBool, parseGoArgs, parseInt64 } from './goArgs.js';
import { CONFIG_FIELDS, type Side, type TunnelConfig } from './tunnelConfig.js';
import { tunnelSettings, type TunnelSettings } from './tunnelSettings.js';
import { applyFlagDialect } from './flagDialect.js';

export const MODES: readonly KcpMode[] = ['normal', 'fast', 'fast2', 'fast3', 'manual'];
export const SERVICES: Readonly<Record<Side, readonly string[]>> = { client: ['raw', 'socks5', 'http'], server: ['raw', 'fast'] };

export type ResolveResult =
  | { kind: 'help' }
  | { kind: 'version' }
  /** `warnings`: lines to log once at start (unknown -c keys). */
  | { kind: 'run'; config: TunnelConfig; settings: TunnelSettings; warnings: string[] };

/** Values of the fields only the other side has a flag for, so every TunnelConfig is complete. */
const otherSide = (): Pick<TunnelConfig, 'conn' | 'autoExpire' | 'scavengeTtl' | 'dns' | 'pprof' | 'maxSessions' | 'replayFilter'> => ({ conn: 1, autoExpire: 0, scavengeTtl: 600, dns: [], pprof: '', maxSessions: 0, replayFilter: true });

function isComplete(c: Partial<TunnelConfig>): c is TunnelConfig {
  return CONFIG_FIELDS.every((k) => c[k] !== undefined);
}

export function defaultConfig(side: Side): TunnelConfig {
  const c: Partial<TunnelConfig> = { side, ...otherSide() };
  for (const f of flagsFor(side)) {
    const v = f[side];
    if (v !== undefined) setField(c, f, v);
  }
  if (!isComplete(c)) throw new Error(`the flag table has no ${side} default for ${CONFIG_FIELDS.filter((k) => c[k] === undefined).join(', ')}`);
  return c;
}

/** A flag with a bare form also takes booleans: true = its bare value, false = off (''). */
function fromBool(spec: FlagSpec, value: boolean | string): string {
  if (typeof value === 'string') return value;
  return value ? spec.bare!.value : '';
}

const isBoolText = (text: string) => ['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text);

/** A flag's text as its value (exported for the fuzz bench). */
export function coerce(spec: FlagSpec, text: string, what: string): FlagValue {
  if (spec.bare && isBoolText(text)) return fromBool(spec, parseBool(text, what));
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

/** A `-c` JSON value as the flag's value (exported for the fuzz bench). */
export function fromJson(spec: FlagSpec, value: unknown, file: string): FlagValue {
  const what = `"${spec.json}" in ${file}`;
  if (spec.bare && typeof value === 'boolean') return fromBool(spec, value);
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
      if (typeof value !== 'string') throw new ConfigError(`${what} must be a string${spec.bare ? ' or a boolean' : ''}`);
      return value;
  }
}

function readJson(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`config file ${file} must hold a JSON object`);
  return json as Record<string, unknown>;
}

export function resolveConfig(side: Side, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ResolveResult {
  const specs = flagsFor(side);
  const parsed = parseGoArgs(argv, specs);
  if (parsed.help) return { kind: 'help' };
  if (parsed.version) return { kind: 'version' };
  const config = defaultConfig(side);
  const given = new Set<string>();
  for (const f of parsed.flags) {
    setField(config, f.spec, coerce(f.spec, f.value, `flag ${f.spelled}`));
    given.add(f.spec.name);
  }
  if (!given.has('key') && env.KCPTUN_KEY !== undefined && env.KCPTUN_KEY !== '') config.key = env.KCPTUN_KEY;

  const warnings: string[] = [];
  if (config.configFile) {
    const json = readJson(config.configFile);
    for (const spec of specs) {
      if (spec.json && Object.hasOwn(json, spec.json)) {
        setField(config, spec, fromJson(spec, json[spec.json], config.configFile));
        given.add(spec.name);
      }
    }
    const known = new Set(specs.map((s) => s.json));
    const unknown = Object.keys(json).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      warnings.push(`config file ${config.configFile}: ignoring unknown key${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (not a ${side} setting)`);
    }
  }

  return { kind: 'run', config, settings: checkedSettings(config, given), warnings };
}

/**
 * The checks every configuration goes through, from the command line or the library API
 * (api/options.ts): enumerations, the flag dialect, then every layer's settings. `given` holds
 * the long names of the flags that were set. The first problem is a ConfigError.
 */
export function checkedSettings(config: TunnelConfig, given: ReadonlySet<string>): TunnelSettings {
  const oneOf = (flag: string, v: string, allowed: readonly string[]) => {
    if (!allowed.includes(v)) throw new ConfigError(`invalid --${flag} "${v}": allowed values are ${allowed.join(', ')}`);
  };
  oneOf('mode', config.mode, MODES);
  oneOf('ser', config.ser, SERVICES[config.side]);
  // kcptunB's meanings unless --dialect or a kcptun-only flag says otherwise (docs/protocol.md §7.10)
  applyFlagDialect(config, given);
  return tunnelSettings(config);
}
