/**
 * Learns the sender's FEC group shape (ds/ps) from the shards themselves, as stock
 * kcp-go ≥ 5.6.1 does on receive (docs/protocol.md §2.6, §2.8). The sender numbers every
 * shard and sends a group's ds data shards before its ps parity shards, so a data shard
 * with seqid s − 1 followed by a parity shard with seqid s marks a group boundary
 * s = g·n + ds. The gcd of the distances between boundaries is n (a missed boundary only
 * adds a multiple of n), and ds = s mod n. Pure: seqids and types in, a shape out.
 */
import { FEC_TYPE_DATA, FEC_TYPE_PARITY } from './header.js';

const SLOTS = 256;
/** Distances folded in before a shape is reported: one or two may all be multiples of n. */
const MIN_DISTANCES = 4;
/** Reed–Solomon over GF(2⁸): at most 256 shards per group (docs/protocol.md §2.1). */
const MAX_SHARDS = 256;

export interface FecShape {
  dataShards: number;
  parityShards: number;
}

const gcd = (a: number, b: number): number => {
  while (b) [a, b] = [b, a % b];
  return a;
};

export class FecShapeDetector {
  private readonly seqids = new Float64Array(SLOTS).fill(-1);
  private readonly types = new Uint16Array(SLOTS);
  private lastBoundary = -1;
  private period = 0;
  /** Distances folded into `period`: one alone may be a multiple of n (a missed boundary). */
  private distances = 0;
  // (a seqid wrap, after ~4·10⁹ shards, makes later boundaries look old: the learnt shape simply stays)
  private shape: FecShape | undefined;

  /** The shape learnt so far, if any. */
  get current(): FecShape | undefined {
    return this.shape;
  }

  /** Record one shard; returns the shape when it was learnt or changed by this shard. */
  observe(seqid: number, type: number): FecShape | undefined {
    if (type !== FEC_TYPE_DATA && type !== FEC_TYPE_PARITY) return undefined;
    const slot = seqid % SLOTS;
    this.seqids[slot] = seqid;
    this.types[slot] = type;
    let boundary = -1;
    if (type === FEC_TYPE_PARITY) {
      const prev = (seqid - 1) >>> 0;
      if (this.seqids[prev % SLOTS] === prev && this.types[prev % SLOTS] === FEC_TYPE_DATA) boundary = seqid;
    } else {
      const next = (seqid + 1) >>> 0;
      if (this.seqids[next % SLOTS] === next && this.types[next % SLOTS] === FEC_TYPE_PARITY) boundary = next;
    }
    // boundaries older than the last one (reordering) add nothing; every true boundary is ≡ ds (mod n)
    if (boundary < 0 || boundary <= this.lastBoundary) return undefined;
    if (this.lastBoundary >= 0) {
      this.period = gcd(this.period, boundary - this.lastBoundary);
      this.distances++;
    }
    this.lastBoundary = boundary;
    if (this.distances < MIN_DISTANCES || this.period < 2 || this.period > MAX_SHARDS) return undefined;
    const dataShards = boundary % this.period;
    const parityShards = this.period - dataShards;
    if (dataShards < 1 || parityShards < 1) return undefined;
    if (this.shape && this.shape.dataShards === dataShards && this.shape.parityShards === parityShards) return undefined;
    this.shape = { dataShards, parityShards };
    return this.shape;
  }
}
