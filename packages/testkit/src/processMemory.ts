/**
 * Memory and descriptor readings of a running process from /proc (Linux), and its SNMP counters
 * through SIGUSR1 (the `KCP SNMP:&{…}` line, docs/protocol.md §7.6): what the soak and flood
 * tests watch.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Proc } from './proc.js';
import { waitFor } from './wait.js';

export interface MemoryReading {
  /** Resident set (VmRSS), KiB. */
  rssKiB: number;
  /** Anonymous resident memory (smaps_rollup `Anonymous`), KiB. */
  anonKiB: number;
  /** Open file descriptors (/proc/PID/fd entries). */
  fds: number;
  /** Threads (/proc/PID/status). */
  threads: number;
}

export function readMemory(pid: number): MemoryReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  let anonKiB = NaN;
  try {
    anonKiB = field(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Anonymous');
  } catch {
    // kernels without smaps_rollup
  }
  return { rssKiB: field(status, 'VmRSS'), anonKiB, fds: readdirSync(`/proc/${pid}/fd`).length, threads: field(status, 'Threads') };
}

/**
 * kcptunb's own counters (ReplayDrops, AdmissionDrops, IdleEvictions), from the second line its
 * SIGUSR1 prints (`kcptunb SNMP:&{…}`).
 */
export async function kcptunbCountersOf(proc: Proc, timeoutMs = 5000): Promise<Record<string, number>> {
  const tag = 'kcptunb SNMP:&{';
  const count = () => proc.output().split(tag).length - 1;
  const before = count();
  proc.child.kill('SIGUSR1');
  await waitFor(() => count() > before && proc.output().indexOf('}', proc.output().lastIndexOf(tag)) > 0, timeoutMs, `${proc.label} to print its kcptunb counters`, { diag: () => proc.tail() });
  const out = proc.output();
  const at = out.lastIndexOf(tag) + tag.length;
  const values: Record<string, number> = {};
  for (const pair of out.slice(at, out.indexOf('}', at)).split(' ')) {
    const [k, v] = pair.split(':');
    if (k) values[k] = Number(v);
  }
  return values;
}

/** Ask `proc` (one of ours or kcptun) for its SNMP line and parse it (field name → value). */
export async function snmpOf(proc: Proc, timeoutMs = 5000): Promise<Record<string, number>> {
  const count = () => (proc.output().match(/KCP SNMP:&\{/g) ?? []).length;
  const before = count();
  proc.child.kill('SIGUSR1');
  await waitFor(() => count() > before && /KCP SNMP:&\{[^}]*\}/.test(proc.output().slice(proc.output().lastIndexOf('KCP SNMP:&{'))), timeoutMs, `${proc.label} to print its SNMP line`, { diag: () => proc.tail() });
  const out = proc.output();
  const line = /KCP SNMP:&\{([^}]*)\}/.exec(out.slice(out.lastIndexOf('KCP SNMP:&{')))![1]!;
  const values: Record<string, number> = {};
  for (const pair of line.split(' ')) {
    const [k, v] = pair.split(':');
    if (k) values[k] = Number(v);
  }
  return values;
}
