/**
 * Token-bucket pacing of a session's sealed datagrams: upstream kcptun's `--ratelimit`
 * (bytes per second per KCP session; docs/protocol.md §7.11). Pure: datagrams and `now`
 * (ms) in, datagrams due out. The bucket holds at most `burst` bytes; a datagram leaves
 * once the bucket holds its length. The session keeps at most `highWater` bytes waiting by
 * giving KCP a budget of new segments (`room`), so the queue delays datagrams by ~10 ms at most
 * and never sits empty while KCP has data. Waiting datagrams are bounded by `maxQueued` bytes
 * (retransmission bursts): beyond that new ones are dropped and counted.
 */
const EMPTY = new Uint8Array(0);

export class Pacer {
  readonly burst: number;
  /** What the session lets wait: enough to keep the bucket busy, little enough not to inflate the RTT. */
  readonly highWater: number;
  readonly maxQueued: number;
  private tokens: number;
  private last: number | undefined;
  /** Waiting datagrams from `head` on (the array is compacted as it drains). */
  private queue: Uint8Array[] = [];
  private head = 0;
  private queued = 0;
  /** Datagrams dropped because the queue was full. */
  drops = 0;

  constructor(readonly bytesPerSecond: number) {
    if (!Number.isInteger(bytesPerSecond) || bytesPerSecond <= 0) throw new RangeError(`rate limit must be a positive integer, got ${bytesPerSecond}`);
    // 100 ms of traffic (upstream's bucket is 64 datagrams of 1500 bytes, 96 ms at 1 MB/s), never
    // less than two datagrams: the tokens a late wake-up of the event loop would otherwise lose
    this.burst = Math.max(3000, Math.ceil(bytesPerSecond / 10));
    // 20 ms of traffic waiting: the bucket stays busy across wake-ups, the RTT barely grows
    this.highWater = Math.max(3000, Math.ceil(bytesPerSecond / 50));
    // 100 ms of traffic (at least 32 KiB): a deeper queue delays the ACKs riding behind data
    // by as much, and KCP's throughput (window / RTT) collapses
    this.maxQueued = Math.min(8 << 20, Math.max(32 << 10, Math.ceil(bytesPerSecond / 10)));
    this.tokens = this.burst;
  }

  /** Bytes waiting. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Bytes more the session may queue now (below `highWater`). */
  get room(): number {
    return Math.max(0, this.highWater - this.queued);
  }

  /** Queue a sealed datagram (kept by reference). */
  offer(datagram: Uint8Array): void {
    if (this.queued + datagram.length > this.maxQueued) {
      this.drops++;
      return;
    }
    this.queue.push(datagram);
    this.queued += datagram.length;
  }

  private first(): Uint8Array | undefined {
    return this.queue[this.head];
  }

  private shift(): void {
    this.queue[this.head++] = EMPTY;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Hand every datagram the bucket allows at `now` to `send`, oldest first. */
  release(now: number, send: (datagram: Uint8Array) => void): void {
    this.refill(now);
    for (let head = this.first(); head !== undefined && head.length <= this.tokens; head = this.first()) {
      this.shift();
      this.queued -= head.length;
      this.tokens -= head.length;
      send(head);
    }
  }

  /** Milliseconds from `now` until the oldest waiting datagram may leave; Infinity when none waits. */
  msUntilNext(now: number): number {
    const head = this.first();
    if (head === undefined) return Infinity;
    this.refill(now);
    const missing = head.length - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.bytesPerSecond);
  }

  private refill(now: number): void {
    if (this.last !== undefined && now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    if (this.last === undefined || now > this.last) this.last = now;
  }
}
