/**
 * A FIFO of byte chunks with a read offset into the first one. Chunks are
 * kept by reference: reads hand out subarrays, never copies.
 */
import { Deque } from '@kcptunb/collections';

export class ByteQueue {
  private readonly chunks = new Deque<Uint8Array>();
  /** Bytes of the first chunk already taken. */
  private offset = 0;
  private total = 0;

  /** Bytes queued and not yet taken. */
  get length(): number {
    return this.total;
  }

  /** True when the next byte is the first byte of a pushed chunk (no chunk is part-way taken). */
  get atChunkStart(): boolean {
    return this.offset === 0;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Take up to `max` bytes from the front, never spanning two chunks; null when empty. */
  take(max: number): Uint8Array | null {
    const head = this.chunks.first();
    if (head === undefined || max <= 0) return null;
    const available = head.length - this.offset;
    let out: Uint8Array;
    if (available <= max) {
      out = this.offset === 0 ? head : head.subarray(this.offset);
      this.chunks.shift();
      this.offset = 0;
    } else {
      out = head.subarray(this.offset, this.offset + max);
      this.offset += max;
    }
    this.total -= out.length;
    return out;
  }

  clear(): void {
    this.chunks.clear();
    this.offset = 0;
    this.total = 0;
  }
}
