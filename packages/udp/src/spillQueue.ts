/**
 * Datagrams a full socket buffer did not take, kept in order until the socket is writable again.
 * Copies live in one growing buffer laid out like a DatagramBatch (slot i at i · stride, its
 * length in `lens[i]`, its destination in `dests[i · 24]`), so the addon sends them with the same
 * batched call. Bounded: past MAX_QUEUED datagrams the newest are dropped and counted (UDP
 * semantics; KCP retransmits), so a peer that stops reading cannot grow the process.
 */
import { DATAGRAM_STRIDE } from '@kcptunb/wasm';
import { ADDR_BYTES } from './addon.js';

const INITIAL = 64;
const MAX_QUEUED = 4096;

/** Sends slots first … first+count−1 of the queue's buffers to `to`; returns how many it consumed. */
export type SpillSender = (mem: Uint8Array, lens: Uint32Array, first: number, count: number, to: Uint8Array | null) => number;

export class SpillQueue {
  private mem = new Uint8Array(0);
  private lens = new Uint32Array(0);
  private dests = new Uint8Array(0);
  private hasDest = new Uint8Array(0);
  private head = 0;
  private tail = 0;
  /** Datagrams dropped because the queue was full. */
  drops = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(datagram: Uint8Array, to: Uint8Array | undefined): void {
    if (this.tail === this.lens.length && !this.makeRoom()) {
      this.drops++;
      return;
    }
    const i = this.tail++;
    const n = Math.min(datagram.length, DATAGRAM_STRIDE);
    this.mem.set(datagram.subarray(0, n), i * DATAGRAM_STRIDE);
    this.lens[i] = n;
    this.hasDest[i] = to ? 1 : 0;
    if (to) this.dests.set(to.subarray(0, ADDR_BYTES), i * ADDR_BYTES);
  }

  /** Send what the socket takes, in order, a run of one destination per call; true when empty. */
  flush(send: SpillSender): boolean {
    while (this.head < this.tail) {
      const first = this.head;
      let end = first + 1;
      while (end < this.tail && this.sameDestination(first, end)) end++;
      const to = this.hasDest[first] ? this.dests.subarray(first * ADDR_BYTES, (first + 1) * ADDR_BYTES) : null;
      const consumed = send(this.mem, this.lens, first, end - first, to);
      this.head += consumed;
      if (consumed < end - first) return false;
    }
    this.head = this.tail = 0;
    return true;
  }

  private sameDestination(a: number, b: number): boolean {
    if (this.hasDest[a] !== this.hasDest[b]) return false;
    if (!this.hasDest[a]) return true;
    for (let k = 0; k < ADDR_BYTES; k++) if (this.dests[a * ADDR_BYTES + k] !== this.dests[b * ADDR_BYTES + k]) return false;
    return true;
  }

  /** Compact (drop what was sent) or grow; false at the bound. */
  private makeRoom(): boolean {
    if (this.head > 0) {
      const live = this.tail - this.head;
      this.mem.copyWithin(0, this.head * DATAGRAM_STRIDE, this.tail * DATAGRAM_STRIDE);
      this.lens.copyWithin(0, this.head, this.tail);
      this.dests.copyWithin(0, this.head * ADDR_BYTES, this.tail * ADDR_BYTES);
      this.hasDest.copyWithin(0, this.head, this.tail);
      this.head = 0;
      this.tail = live;
      if (this.tail < this.lens.length) return true;
    }
    const capacity = this.lens.length === 0 ? INITIAL : this.lens.length * 2;
    if (capacity > MAX_QUEUED) return false;
    const grow = <T extends Uint8Array | Uint32Array>(old: T, size: number, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.mem = grow(this.mem, capacity * DATAGRAM_STRIDE, (n) => new Uint8Array(n));
    this.lens = grow(this.lens, capacity, (n) => new Uint32Array(n));
    this.dests = grow(this.dests, capacity * ADDR_BYTES, (n) => new Uint8Array(n));
    this.hasDest = grow(this.hasDest, capacity, (n) => new Uint8Array(n));
    return true;
  }
}
