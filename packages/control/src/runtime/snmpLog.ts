/**
 * `--snmplog PATH --snmpperiod S` (docs/protocol.md §7.6): every S seconds append one CSV
 * row to PATH, whose file-name part is a Go time layout (the directory part is
 * not formatted); an empty file first gets the header `Unix,<24 names>`.
 * Rows are per-period deltas, as kcptunB writes them: the counters are reset
 * after each row (stock kcptun writes cumulative rows; see docs/deviations.md).
 */
import { appendFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SNMP_FIELDS, type Snmp } from '@kcptunb/snmp';
import { formatGoTime } from './goTimeFormat.js';

export function snmpLogPath(path: string, when: Date): string {
  const dir = dirname(path);
  const name = formatGoTime(basename(path), when);
  return path.includes('/') ? join(dir, name) : name;
}

export function snmpRow(snmp: Snmp, when: Date): string {
  const v = snmp.values;
  return [Math.floor(when.getTime() / 1000), ...SNMP_FIELDS.map((_, i) => v[i]!)].join(',');
}

/** Write one row (and the header into an empty file). */
export function appendSnmpRow(path: string, snmp: Snmp, when = new Date()): string {
  const file = snmpLogPath(path, when);
  let empty = true;
  try {
    empty = statSync(file).size === 0;
  } catch {
    empty = true;
  }
  const text = (empty ? `Unix,${SNMP_FIELDS.join(',')}\n` : '') + snmpRow(snmp, when) + '\n';
  appendFileSync(file, text, { mode: 0o666 });
  return file;
}

/** Start the periodic logger; returns a function that stops it. */
export function startSnmpLog(path: string, periodSeconds: number, read: () => Snmp, reset: () => void, onError: (e: Error) => void): () => void {
  if (!path || periodSeconds <= 0) return () => {};
  const timer = setInterval(() => {
    try {
      appendSnmpRow(path, read());
      reset();
    } catch (e) {
      onError(e as Error);
    }
  }, periodSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
