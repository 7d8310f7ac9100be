/**
 * A growable ring-buffer queue: O(1) push and shift and indexed access, so
 * the KCP segment queues and the smux chunk and frame queues never use
 * Array.shift/splice on the hot path. `insert` shifts the tail, which is cheap
 * where KCP uses it (out-of-order arrivals land near the end of the receive
 * buffer).
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(capacity = 8) {
    let c = 1;
    while (c < capacity) c <<= 1;
    this.items = new Array<T | undefined>(c);
  }

  get length(): number {
    return this.size;
  }

  at(i: number): T {
    return this.items[(this.head + i) & (this.items.length - 1)] as T;
  }

  first(): T | undefined {
    return this.size ? this.at(0) : undefined;
  }

  last(): T | undefined {
    return this.size ? this.at(this.size - 1) : undefined;
  }

  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & (this.items.length - 1)] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const mask = this.items.length - 1;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & mask;
    this.size--;
    return item;
  }

  /** Insert so that the new item is at index `i` (0 ≤ i ≤ length). */
  insert(i: number, item: T): void {
    if (this.size === this.items.length) this.grow();
    const mask = this.items.length - 1;
    for (let k = this.size; k > i; k--) this.items[(this.head + k) & mask] = this.items[(this.head + k - 1) & mask];
    this.items[(this.head + i) & mask] = item;
    this.size++;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
