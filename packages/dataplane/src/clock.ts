/**
 * The millisecond clock of the shells (data-plane shards and the control
 * thread's smux sessions): monotonic, relative to the thread's start, as
 * kcp-go's ts is process-relative. Only the shells read time; the cores get
 * it passed in.
 */
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return Math.floor(performance.now());
}
