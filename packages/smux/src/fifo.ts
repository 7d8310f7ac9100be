/**
 * A growable ring-buffer FIFO: O(1) push and shift, no Array.shift on the hot
 * path. Used for byte-chunk queues, the control-frame queue and the
 * round-robin list of streams with frames to send.
 */
export class Fifo<T> {
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

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.size ? this.items[this.head] : undefined;
  }

  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & (this.items.length - 1)] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.size--;
    return item;
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
