/**
 * The receiving half of KCP: the reorder buffer (rcv_buf), the in-order queue
 * `recv()` reads from (rcv_queue), and rcv_nxt. The queue's free slots are
 * the window advertised in every header.
 */
import { Deque } from '@kcptunb/collections';
import { timediff } from './constants.js';
import type { Segment } from './segment.js';
import type { SegmentPool } from './segmentPool.js';

export class Receiver {
  /** The next sn expected in order (rcv_nxt): every header's una. */
  next: number;
  private readonly reorder = new Deque<Segment>();
  private readonly ready = new Deque<Segment>();
  /** Bytes of the head of `ready` already handed out by recv(). */
  private headOffset = 0;
  private queuedBytes = 0;

  constructor(firstSn: number, private readonly window: number, private readonly pool: SegmentPool) {
    this.next = firstSn;
  }

  /** Bytes ready for `recv()`. */
  get readable(): number {
    return this.queuedBytes;
  }

  /** The in-order queue fills the whole window: the peer has been told 0. */
  get full(): boolean {
    return this.ready.length >= this.window;
  }

  /** Free slots of the receive window. */
  unusedWindow(): number {
    return Math.max(0, this.window - this.ready.length);
  }

  /** `sn` lies below rcv_nxt + rcv_wnd, so its PUSH is acknowledged (duplicates too). */
  inWindow(sn: number): boolean {
    return timediff(sn, (this.next + this.window) >>> 0) < 0;
  }

  /** Copy up to `out.length` received bytes into `out`; returns how many. */
  recv(out: Uint8Array): number {
    let n = 0;
    while (n < out.length && this.ready.length > 0) {
      const seg = this.ready.first()!;
      const take = Math.min(seg.length - this.headOffset, out.length - n);
      out.set(seg.data.subarray(this.headOffset, this.headOffset + take), n);
      n += take;
      this.headOffset += take;
      if (this.headOffset === seg.length) {
        this.ready.shift();
        this.pool.give(seg);
        this.headOffset = 0;
      }
    }
    this.queuedBytes -= n;
    this.moveInOrder();
    return n;
  }

  /** Insert a PUSH into the reorder buffer; returns true if it was a duplicate or outside the window. */
  accept(sn: number, payload: Uint8Array): boolean {
    if (!this.inWindow(sn) || timediff(sn, this.next) < 0) return true;
    let i = this.reorder.length;
    while (i > 0) {
      const prev = this.reorder.at(i - 1);
      if (prev.sn === sn) return true;
      if (timediff(sn, prev.sn) > 0) break;
      i--;
    }
    const seg = this.pool.take(payload.length);
    seg.data.set(payload);
    seg.length = payload.length;
    seg.sn = sn;
    this.reorder.insert(i, seg);
    this.moveInOrder();
    return false;
  }

  /** Move the in-order prefix of the reorder buffer to the ready queue, window permitting. */
  private moveInOrder(): void {
    while (this.reorder.length > 0 && this.ready.length < this.window && this.reorder.first()!.sn === this.next) {
      const seg = this.reorder.shift()!;
      this.ready.push(seg);
      this.queuedBytes += seg.length;
      this.next = (this.next + 1) >>> 0;
    }
  }
}
