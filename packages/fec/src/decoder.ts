/**
 * FEC receiver (docs/protocol.md §2.5). Data shards go to KCP at once as *regular* input;
 * shards are also kept per group so that once any `ds` of a group's `n`
 * shards are present the missing data shards can be rebuilt and handed to KCP
 * as *recovered* (non-regular) input. At most 3·n shards are kept; the oldest
 * is dropped beyond that. Network input never throws: malformed packets are
 * counted and dropped.
 */
import { DATAGRAM_STRIDE, type Kernels } from '@kcptunb/wasm';
import { S, Snmp } from '@kcptunb/snmp';
import { dataShardKcp, FEC_HEADER_SIZE, FEC_TYPE_DATA, FEC_TYPE_PARITY, readSeqid, readType } from './header.js';
import { ReedSolomon } from './reedSolomon.js';

/** Receives KCP bytes; `regular` is false for recovered shards (docs/protocol.md §3.3). */
export type KcpSink = (kcp: Uint8Array, regular: boolean) => void;

/** How many finished groups are remembered (late parity of a complete group is the common case). */
const FINISHED_MEMORY = 16;

interface Group {
  start: number;
  /** Pool slot per shard index in the group, -1 when absent. */
  slots: Int32Array;
  /** Shard length per present shard (bytes after the 6-byte seqid/type). */
  lengths: Int32Array;
  data: number;
  parity: number;
}

export class FecDecoder {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly snmp: Snmp;
  private readonly n: number;
  private readonly limit: number;
  private readonly rs: ReedSolomon;
  private readonly pool: number;
  private readonly freeSlots: number[];
  private readonly groups = new Map<number, Group>();
  private stored = 0;
  private readonly shardPtrs: number[];
  private readonly present: boolean[];
  /** Starts of the last groups that were completed or recovered: their late shards are ignored. */
  private readonly finished = new Array<number>(FINISHED_MEMORY).fill(-1);
  private finishedAt = 0;

  constructor(private readonly kernels: Kernels, dataShards: number, parityShards: number, snmp?: Snmp) {
    this.rs = new ReedSolomon(kernels, dataShards, parityShards);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.snmp = snmp ?? new Snmp();
    this.n = dataShards + parityShards;
    this.limit = 3 * this.n;
    // stored shards plus room for the data shards a reconstruction writes
    const slots = this.limit + dataShards;
    this.pool = kernels.alloc(slots * DATAGRAM_STRIDE, 64);
    this.freeSlots = Array.from({ length: slots }, (_, i) => slots - 1 - i);
    this.shardPtrs = new Array<number>(this.n).fill(0);
    this.present = new Array<boolean>(this.n).fill(false);
  }

  /** Shards currently held for possible recovery. */
  get pending(): number {
    return this.stored;
  }

  /**
   * Feed one FEC packet: the datagram bytes after the 20-byte crypto prefix.
   * Data shards reach `sink` immediately; recovered shards follow when possible.
   */
  input(packet: Uint8Array, sink: KcpSink): void {
    const values = this.snmp.values;
    if (packet.length < FEC_HEADER_SIZE || packet.length > DATAGRAM_STRIDE) {
      values[S.InErrs]!++;
      return;
    }
    const type = readType(packet);
    if (type === FEC_TYPE_DATA) {
      const kcp = dataShardKcp(packet);
      if (!kcp) {
        values[S.InErrs]!++;
        return;
      }
      sink(kcp, true);
    } else if (type === FEC_TYPE_PARITY) {
      values[S.FECParityShards]!++;
    } else {
      values[S.FECErrs]!++;
      return;
    }
    this.store(packet, type === FEC_TYPE_DATA, sink);
  }

  private store(packet: Uint8Array, isData: boolean, sink: KcpSink): void {
    const seqid = readSeqid(packet);
    const index = seqid % this.n;
    // a shard's role is fixed by its position in the group (docs/protocol.md §2.3)
    if (isData !== index < this.dataShards) {
      this.snmp.values[S.FECErrs]!++;
      return;
    }
    const start = seqid - index;
    const shard = packet.subarray(FEC_HEADER_SIZE);
    if (this.finished.includes(start)) return; // nothing left to recover in that group
    const existing = this.groups.get(start);
    if (existing && existing.slots[index] !== -1) return; // duplicate
    while (this.stored >= this.limit) this.evictOldest();
    let group = this.groups.get(start);
    if (!group) {
      group = { start, slots: new Int32Array(this.n).fill(-1), lengths: new Int32Array(this.n), data: 0, parity: 0 };
      this.groups.set(start, group);
    }
    const slot = this.freeSlots.pop()!;
    const ptr = this.slotPtr(slot);
    this.kernels.bytes().set(shard, ptr);
    group.slots[index] = slot;
    group.lengths[index] = shard.length;
    this.stored++;
    if (isData) group.data++;
    else group.parity++;

    if (group.data === this.dataShards) this.finishGroup(group);
    else if (group.data + group.parity >= this.dataShards) this.recover(group, sink);
  }

  private recover(group: Group, sink: KcpSink): void {
    const ds = this.dataShards;
    let maxLen = 0;
    for (let i = 0; i < this.n; i++) if (group.slots[i] !== -1 && group.lengths[i]! > maxLen) maxLen = group.lengths[i]!;
    let mem = this.kernels.bytes();
    const outputs: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const slot = group.slots[i]!;
      if (slot !== -1) {
        const ptr = this.slotPtr(slot);
        mem.fill(0, ptr + group.lengths[i]!, ptr + maxLen);
        this.shardPtrs[i] = ptr;
        this.present[i] = true;
      } else {
        this.present[i] = false;
        if (i < ds) {
          const out = this.freeSlots.pop()!;
          outputs.push(out);
          this.shardPtrs[i] = this.slotPtr(out);
        } else {
          this.shardPtrs[i] = 0;
        }
      }
    }
    const ok = this.rs.reconstruct(this.shardPtrs, this.present, maxLen);
    mem = this.kernels.bytes();
    const values = this.snmp.values;
    if (ok) {
      for (let i = 0; i < ds; i++) {
        if (this.present[i]) continue;
        const ptr = this.shardPtrs[i]!;
        const size = mem[ptr]! | (mem[ptr + 1]! << 8);
        if (size >= 2 && size <= maxLen) {
          values[S.FECRecovered]!++;
          // copy out: the slot is reused before the sink may be done with it
          sink(mem.slice(ptr + 2, ptr + size), false);
        } else {
          values[S.FECErrs]!++;
        }
      }
    }
    for (const out of outputs) this.freeSlots.push(out);
    this.finishGroup(group);
  }

  /** Forget a group whose data is complete or rebuilt, and remember that it is done. */
  private finishGroup(group: Group): void {
    this.finished[this.finishedAt] = group.start;
    this.finishedAt = (this.finishedAt + 1) % FINISHED_MEMORY;
    this.dropGroup(group);
  }

  private dropGroup(group: Group): void {
    for (let i = 0; i < this.n; i++) {
      const slot = group.slots[i]!;
      if (slot !== -1) {
        this.freeSlots.push(slot);
        this.stored--;
      }
    }
    this.groups.delete(group.start);
  }

  /** Discard the oldest kept shard (signed 32-bit seqid order). */
  private evictOldest(): void {
    let oldest: Group | undefined;
    for (const g of this.groups.values()) {
      if (!oldest || ((g.start - oldest.start) | 0) < 0) oldest = g;
    }
    if (!oldest) return;
    for (let i = 0; i < this.n; i++) {
      const slot = oldest.slots[i]!;
      if (slot === -1) continue;
      this.freeSlots.push(slot);
      oldest.slots[i] = -1;
      this.stored--;
      if (i < this.dataShards) {
        oldest.data--;
        this.snmp.values[S.FECShortShards]!++;
      } else {
        oldest.parity--;
      }
      break;
    }
    if (oldest.data + oldest.parity === 0) this.groups.delete(oldest.start);
  }

  private slotPtr(slot: number): number {
    return this.pool + slot * DATAGRAM_STRIDE;
  }

  dispose(): void {
    this.kernels.free(this.pool);
    this.rs.dispose();
  }
}
