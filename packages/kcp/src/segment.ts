import type { Deque } from '@kcptunb/collections';
import type { SegmentPool } from './segmentPool.js';

/** One KCP segment held in a queue: its payload and the sender's retransmission state. */
export class Segment {
  sn = 0;
  /** When it was last transmitted (the ts its header carried). */
  ts = 0;
  /** Retransmission bookkeeping (sender side only). */
  rto = 0;
  xmit = 0;
  resendts = 0;
  fastack = 0;
  acked = false;
  /** Payload storage; `length` bytes of it are used. */
  data: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Uint8Array(capacity);
  }

  reset(): void {
    this.sn = this.ts = 0;
    this.rto = this.xmit = this.resendts = this.fastack = 0;
    this.acked = false;
    this.length = 0;
  }
}

/**
 * Stream mode: `data` tops up the queue's last segment to `mss` bytes first, then fills new
 * segments of at most `mss` from `pool` (docs/protocol.md §3).
 */
export function appendStream(queue: Deque<Segment>, pool: SegmentPool, mss: number, data: Uint8Array): void {
  let at = 0;
  const last = queue.last();
  if (last && last.length < mss) {
    const n = Math.min(mss - last.length, data.length);
    last.data.set(data.subarray(0, n), last.length);
    last.length += n;
    at = n;
  }
  while (at < data.length) {
    const n = Math.min(mss, data.length - at);
    const seg = pool.take(mss);
    seg.data.set(data.subarray(at, at + n));
    seg.length = n;
    queue.push(seg);
    at += n;
  }
}
