/** The (sn, ts) pairs of PUSH segments to acknowledge at the next flush. */
export class AckList {
  private readonly sns: number[] = [];
  private readonly tss: number[] = [];
  count = 0;

  push(sn: number, ts: number): void {
    this.sns[this.count] = sn;
    this.tss[this.count] = ts;
    this.count++;
  }

  sn(i: number): number {
    return this.sns[i]!;
  }

  ts(i: number): number {
    return this.tss[i]!;
  }

  clear(): void {
    this.count = 0;
  }

  /** Take back a `clear()` after which nothing was pushed: the first `count` pairs are queued again. */
  restore(count: number): void {
    this.count = count;
  }
}
