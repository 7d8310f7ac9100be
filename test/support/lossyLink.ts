/**
 * One direction of a simulated network path on a virtual clock: seeded loss,
 * delay with jitter (which reorders), duplication and corruption. No sockets,
 * no timers: the simulation loop asks when the next datagram is due.
 */
import { Rng } from './random.js';

export interface LinkProfile {
  /** Probability that a datagram is dropped. */
  loss?: number;
  /** One-way delay in ms. */
  delayMs?: number;
  /** Uniform extra delay in [0, jitterMs): datagrams overtake each other. */
  jitterMs?: number;
  /** Probability that a datagram is delivered twice. */
  duplicate?: number;
  /** Probability that one random bit of a datagram is flipped. */
  corrupt?: number;
}

export interface LinkStats {
  sent: number;
  dropped: number;
  duplicated: number;
  corrupted: number;
  delivered: number;
}

interface InFlight {
  at: number;
  order: number;
  data: Uint8Array;
}

export class LossyLink {
  readonly stats: LinkStats = { sent: 0, dropped: 0, duplicated: 0, corrupted: 0, delivered: 0 };
  private readonly heap: InFlight[] = [];
  private order = 0;

  constructor(private readonly profile: LinkProfile, private readonly rng: Rng) {}

  /** Put a copy of `datagram` on the wire at time `now`. */
  send(datagram: Uint8Array, now: number): void {
    this.stats.sent++;
    const p = this.profile;
    if (p.loss && this.rng.next() < p.loss) {
      this.stats.dropped++;
      return;
    }
    const copies = p.duplicate && this.rng.next() < p.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      const data = datagram.slice();
      if (p.corrupt && data.length > 0 && this.rng.next() < p.corrupt) {
        data[this.rng.int(data.length)]! ^= 1 << this.rng.int(8);
        this.stats.corrupted++;
      }
      const at = now + (p.delayMs ?? 0) + (p.jitterMs ? this.rng.next() * p.jitterMs : 0);
      this.push({ at, order: this.order++, data });
    }
  }

  /** When the next datagram arrives, or Infinity. */
  nextArrival(): number {
    return this.heap.length ? this.heap[0]!.at : Infinity;
  }

  /** Remove and return the next datagram if it has arrived by `now`. */
  receive(now: number): Uint8Array | undefined {
    if (!this.heap.length || this.heap[0]!.at > now) return undefined;
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.stats.delivered++;
    return top.data;
  }

  get inFlight(): number {
    return this.heap.length;
  }

  private before(a: InFlight, b: InFlight): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(item: InFlight): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
