/**
 * The data plane's millisecond clock: monotonic, relative to the thread's
 * start, as kcp-go's ts is process-relative. Only this shell reads time; the
 * cores get it passed in.
 */
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return Math.floor(performance.now());
}
