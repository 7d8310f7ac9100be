/**
 * A small first-fit allocator over a WebAssembly memory, above the module's
 * `__heap_base`. Kernels never allocate; TypeScript owns every buffer. Blocks
 * are long-lived (cipher contexts, datagram batches, codec matrices), so a
 * sorted free list with coalescing is plenty.
 */
const PAGE = 65536;

interface Block {
  start: number;
  size: number;
}

export class WasmHeap {
  private readonly free: Block[] = [];
  private readonly used = new Map<number, number>();
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = align(heapBase, 16);
  }

  /** Allocate `size` bytes aligned to `alignment` (a power of two ≤ 4096). The bytes are zeroed. */
  alloc(size: number, alignment = 16): number {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`alloc size must be a positive integer, got ${size}`);
    size = align(size, 16);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      const start = align(b.start, alignment);
      const waste = start - b.start;
      if (b.size < waste + size) continue;
      this.free.splice(i, 1);
      if (waste > 0) this.insertFree(b.start, waste);
      const rest = b.size - waste - size;
      if (rest > 0) this.insertFree(start + size, rest);
      this.used.set(start, size);
      new Uint8Array(this.memory.buffer, start, size).fill(0);
      return start;
    }
    const start = align(this.top, alignment);
    const end = start + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    if (start > this.top) this.insertFree(this.top, start - this.top);
    this.top = end;
    this.used.set(start, size);
    return start;
  }

  /** Return a block from `alloc`. Freeing an unknown pointer is a programming error. */
  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`WasmHeap.release: ${ptr} is not an allocated block`);
    this.used.delete(ptr);
    this.insertFree(ptr, size);
  }

  /** Bytes currently handed out. */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.used.values()) n += s;
    return n;
  }

  private insertFree(start: number, size: number): void {
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < start) i++;
    this.free.splice(i, 0, { start, size });
    const next = this.free[i + 1];
    if (next && start + size === next.start) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === start) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
  }
}

function align(n: number, a: number): number {
  return (n + a - 1) & ~(a - 1);
}
