/**
 * kcptunB parses flags with Go's flag package (through urfave/cli), so users
 * write `-mode fast3`, `--mode=fast3`, `--ds 10`, `-nocomp`, `--streambuf-en=0`.
 * This turns such an argv into `{ name, value }` pairs for the flags of one side,
 * with the same rules: one or two dashes, `=value` or the next argument, and
 * booleans that take a value only through `=`; a flag with a bare form takes the
 * next argument only when it looks like its value.
 */
import { ConfigError } from './configError.js';
import type { FlagSpec } from './flags.js';

export interface ParsedFlag {
  spec: FlagSpec;
  /** As written; booleans given bare are "true". */
  value: string;
  /** How the user wrote the flag, for messages. */
  spelled: string;
}

export interface ParsedArgs {
  flags: ParsedFlag[];
  help: boolean;
  version: boolean;
}

export function parseGoArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const out: ParsedArgs = { flags: [], help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) throw new ConfigError(`unexpected argument "${argv[i + 1]}"`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') throw new ConfigError(`unexpected argument "${arg}" (flags start with - or --)`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === 'h' || name === 'help') {
      out.help = true;
      continue;
    }
    if (name === 'v' || name === 'version') {
      out.version = true;
      continue;
    }
    const spec = byName.get(name);
    if (!spec) throw new ConfigError(`flag provided but not defined: -${name} (see -h)`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (spec.kind === 'bool') value = 'true';
    else if (spec.bare && !(i + 1 < argv.length && spec.bare.next.test(argv[i + 1]!))) value = spec.bare.value;
    else {
      if (i + 1 >= argv.length) throw new ConfigError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    out.flags.push({ spec, value, spelled: arg.slice(0, arg.length - (eq >= 0 ? body.length - eq : 0)) });
  }
  return out;
}

/** Go's strconv.ParseBool spellings. */
export function parseBool(text: string, what: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  throw new ConfigError(`invalid boolean value "${text}" for ${what} (use true/false or 1/0)`);
}

/** Integers as Go's IntFlag reads them: decimal, 0x hex, 0o/leading-0 octal, 0b binary, optional sign. */
export function parseInt64(text: string, what: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[0-9]+)$/.exec(text.replace(/_/g, ''));
  if (!m) throw new ConfigError(`invalid value "${text}" for ${what}: not an integer`);
  let digits = m[2]!;
  let radix = 10;
  if (/^0[xX]/.test(digits)) (radix = 16), (digits = digits.slice(2));
  else if (/^0[bB]/.test(digits)) (radix = 2), (digits = digits.slice(2));
  else if (/^0[oO]/.test(digits)) (radix = 8), (digits = digits.slice(2));
  else if (digits.length > 1 && digits.startsWith('0')) (radix = 8), (digits = digits.slice(1));
  const v = parseInt(digits, radix) * (m[1] === '-' ? -1 : 1);
  if (!Number.isSafeInteger(v)) throw new ConfigError(`invalid value "${text}" for ${what}: out of range`);
  return v;
}
