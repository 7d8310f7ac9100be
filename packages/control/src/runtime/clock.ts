/** The control thread's millisecond clock for the smux cores (monotonic). */
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return Math.floor(performance.now());
}
