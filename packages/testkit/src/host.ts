/** Facts about the host a measurement ran on. */
import { readFileSync } from 'node:fs';

/** 1-, 5- and 15-minute load averages. */
export function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}
