/**
 * A batch of datagrams in kernel memory, laid out the way every batch kernel
 * reads them: slot `i` at `base + i * stride`, its length at `lens[i]`.
 * One kernel call then processes the whole batch.
 */
import type { Kernels } from './loader.js';

/** Room for the largest datagram kcptun reads (1500, docs/protocol.md §1.8), 16-byte aligned. */
export const DATAGRAM_STRIDE = 1504;

export class DatagramBatch {
  readonly base: number;
  readonly lens: number;
  readonly stride = DATAGRAM_STRIDE;
  /** Number of datagrams currently in the batch. */
  count = 0;

  constructor(private readonly kernels: Kernels, readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`batch capacity must be a positive integer, got ${capacity}`);
    this.base = kernels.alloc(capacity * DATAGRAM_STRIDE, 64);
    this.lens = kernels.alloc(capacity * 4, 16);
  }

  /** Byte offset of slot `i` in linear memory. */
  offset(i: number): number {
    return this.base + i * DATAGRAM_STRIDE;
  }

  length(i: number): number {
    return this.kernels.u32()[(this.lens >>> 2) + i]!;
  }

  setLength(i: number, n: number): void {
    this.kernels.u32()[(this.lens >>> 2) + i] = n;
  }

  /** A view of datagram `i` (valid until memory grows). */
  view(i: number): Uint8Array {
    const off = this.offset(i);
    return this.kernels.bytes().subarray(off, off + this.length(i));
  }

  /** Append a copy of `data`; returns its slot index. */
  push(data: Uint8Array): number {
    if (this.count >= this.capacity) throw new RangeError('DatagramBatch is full');
    if (data.length > DATAGRAM_STRIDE) throw new RangeError(`datagram of ${data.length} bytes exceeds ${DATAGRAM_STRIDE}`);
    const i = this.count++;
    this.kernels.bytes().set(data, this.offset(i));
    this.setLength(i, data.length);
    return i;
  }

  clear(): void {
    this.count = 0;
  }

  /** The whole linear memory the slots live in (fetch it anew for every use: growth detaches it). */
  memoryBytes(): Uint8Array {
    return this.kernels.bytes();
  }

  /** The same memory as 32-bit words: the lengths are at `memoryWords()[lens >>> 2 + i]`. */
  memoryWords(): Uint32Array {
    return this.kernels.u32();
  }

  dispose(): void {
    this.kernels.free(this.base);
    this.kernels.free(this.lens);
  }
}
