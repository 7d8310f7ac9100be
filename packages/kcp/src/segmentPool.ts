/** Recycled segments, so a session in steady state allocates nothing per packet. */
import { Segment } from './segment.js';

export class SegmentPool {
  private readonly free: Segment[] = [];

  /** `limit`: enough for a full send and receive window. */
  constructor(private readonly mss: number, private readonly limit: number) {}

  /** A reset segment whose storage holds at least `capacity` bytes. */
  take(capacity: number): Segment {
    const seg = this.free.pop();
    if (seg) {
      if (seg.data.length < capacity) seg.data = new Uint8Array(capacity);
      return seg;
    }
    return new Segment(Math.max(capacity, this.mss));
  }

  give(seg: Segment): void {
    seg.reset();
    if (this.free.length < this.limit) this.free.push(seg);
  }
}
