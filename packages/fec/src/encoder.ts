/**
 * FEC sender (docs/protocol.md §2.3, §2.4). Every KCP datagram becomes a data shard; after
 * each `ds` data shards the `ps` parity shards follow at once. Shards are
 * written into a DatagramBatch after the 20-byte crypto prefix, which the
 * crypt layer fills later. The group's data is also kept in kernel memory until
 * its parity is computed, since a group may span several batches.
 */
import { CRYPT_HEADER_SIZE } from '@kcptunb/crypt';
import { DATAGRAM_STRIDE, type DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { FEC_DATA_HEADER_SIZE, FEC_HEADER_SIZE, seqidWrap, writeDataHeader, writeParityHeader } from './header.js';
import { ReedSolomon } from './reedSolomon.js';


export interface FecEncoderOptions {
  /** Where seqids wrap; kcptunB's rule by default. */
  wrap?: 'kcptunB' | 'stock';
  /** First seqid (0 in every real session; tests use it to exercise the wrap). Must start a group. */
  firstSeqid?: number;
  /** Bytes of crypt header in front of the FEC header (CRYPT_HEADER_SIZE by default). */
  cryptHeader?: number;
}

export class FecEncoder {
  readonly dataShards: number;
  readonly parityShards: number;
  private readonly rs: ReedSolomon;
  private readonly wrapAt: number;
  private readonly shards: number;
  private readonly dataPtrs: number[];
  private readonly parityPtrs: number[];
  private next = 0;
  private filled = 0;
  private maxShard = 0;
  private readonly cryptHeader: number;
  /** Shard bytes start at the size field: datagram offset 26 with the 20-byte prefix. */
  private readonly shardOffset: number;

  constructor(private readonly kernels: Kernels, dataShards: number, parityShards: number, options: FecEncoderOptions = {}) {
    this.rs = new ReedSolomon(kernels, dataShards, parityShards);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.wrapAt = seqidWrap(dataShards + parityShards, options.wrap);
    this.next = options.firstSeqid ?? 0;
    this.cryptHeader = options.cryptHeader ?? CRYPT_HEADER_SIZE;
    this.shardOffset = this.cryptHeader + FEC_HEADER_SIZE;
    if (this.next % (dataShards + parityShards) !== 0 || this.next >= this.wrapAt) throw new RangeError(`firstSeqid ${this.next} does not start a group below the wrap point`);
    this.shards = kernels.alloc((dataShards + parityShards) * DATAGRAM_STRIDE, 64);
    this.dataPtrs = Array.from({ length: dataShards }, (_, i) => this.shards + i * DATAGRAM_STRIDE);
    this.parityPtrs = Array.from({ length: parityShards }, (_, i) => this.shards + (dataShards + i) * DATAGRAM_STRIDE);
  }

  /** Bytes the FEC layer adds in front of KCP data. */
  static readonly OVERHEAD = FEC_DATA_HEADER_SIZE;

  /**
   * Append one data datagram carrying `kcp` (and, if it completes a group, the
   * parity datagrams) to `batch`. The caller guarantees room for 1 + ps slots.
   */
  encode(batch: DatagramBatch, kcp: Uint8Array): void {
    const total = this.cryptHeader + FEC_DATA_HEADER_SIZE + kcp.length;
    if (total > DATAGRAM_STRIDE) throw new RangeError(`FEC data shard of ${total} bytes exceeds ${DATAGRAM_STRIDE}`);
    if (batch.count + 1 + this.parityShards > batch.capacity) throw new RangeError('batch has no room for a data shard and its parity');
    const slot = batch.count++;
    const at = batch.offset(slot);
    batch.setLength(slot, total);
    const mem = this.kernels.bytes();
    writeDataHeader(mem, at + this.cryptHeader, this.next, kcp.length);
    mem.set(kcp, at + this.cryptHeader + FEC_DATA_HEADER_SIZE);
    this.next = (this.next + 1) >>> 0;

    // keep the shard (size field + KCP bytes) for the parity computation
    const shardLength = total - this.shardOffset;
    const keep = this.dataPtrs[this.filled]!;
    mem.copyWithin(keep, at + this.shardOffset, at + total);
    if (shardLength > this.maxShard) this.maxShard = shardLength;
    this.filled++;
    if (this.filled === this.dataShards) this.emitParity(batch);
  }

  private emitParity(batch: DatagramBatch): void {
    const len = this.maxShard;
    let mem = this.kernels.bytes();
    // zero-pad every data shard to the longest one
    for (const ptr of this.dataPtrs) {
      const used = mem[ptr]! | (mem[ptr + 1]! << 8); // the size field = shard length
      if (used < len) mem.fill(0, ptr + used, ptr + len);
    }
    this.rs.encode(this.dataPtrs, this.parityPtrs, len);
    mem = this.kernels.bytes();
    for (const parity of this.parityPtrs) {
      const slot = batch.count++;
      const at = batch.offset(slot);
      batch.setLength(slot, this.shardOffset + len);
      writeParityHeader(mem, at + this.cryptHeader, this.next);
      mem.copyWithin(at + this.shardOffset, parity, parity + len);
      this.next = (this.next + 1) % this.wrapAt;
    }
    this.filled = 0;
    this.maxShard = 0;
  }

  dispose(): void {
    this.kernels.free(this.shards);
    this.rs.dispose();
  }
}
