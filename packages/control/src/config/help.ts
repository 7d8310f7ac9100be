/** `-h` output generated from the flag table, rendered by commander's help formatter. */
import { Command, Option } from 'commander';
import { flagsFor } from './flags.js';
import type { Side } from './tunnelConfig.js';

export const VERSION = '0.1.0';

export function helpText(side: Side): string {
  const cmd = new Command(`kcptunb ${side}`);
  cmd.description(side === 'client' ? 'kcptun client (with SMUX): local TCP → KCP/UDP tunnel' : 'kcptun server (with SMUX): KCP/UDP tunnel → target TCP');
  cmd.helpOption('-h, --help', 'show help');
  cmd.version(`kcptun version ${VERSION}`, '-v, --version', 'print the version');
  for (const f of flagsFor(side)) {
    if (f.hidden) continue;
    const shorts = (f.aliases ?? []).filter((a) => a.length === 1);
    const longs = (f.aliases ?? []).filter((a) => a.length > 1);
    const value = f.kind === 'bool' ? '' : f.bare ? ` [${f.valueName ?? 'value'}]` : ` <${f.valueName ?? 'value'}>`;
    const flagsText = f.name.length === 1 ? `-${f.name}${value}` : [...shorts.map((s) => `-${s}`), `--${f.name}${value}`, ...longs.map((l) => `--${l}${value}`)].join(', ');
    const opt = new Option(flagsText, f.help + (f.env ? ` [$${f.env}]` : ''));
    const def = f[side];
    if ((f.kind !== 'bool' && !f.bare) || def === true) opt.default(Array.isArray(def) ? def.join(',') : def);
    cmd.addOption(opt);
  }
  return cmd.helpInformation();
}
