/**
 * Reed–Solomon erasure codec over shards that live in WebAssembly memory, bit-compatible
 * with klauspost/reedsolomon's default matrix as kcp-go uses it (docs/protocol.md §2.4, §2.5).
 *
 * Matrix algebra runs here in TypeScript (once per codec, and once per new erasure pattern
 * with the inverse cached); every byte goes through the kernel's `gf_matrix_mul`. The parity
 * rows and the pointer arrays the kernel reads are allocated in linear memory once, so the
 * steady state makes no allocation: a call writes a few pointers and makes one kernel call.
 */
import type { Kernels } from '@kcptunb/wasm';
import { InvalidShardCountError } from './errors.js';
import { codingMatrix, invert } from './galoisMatrix.js';

/** ds + ps limit: Vandermonde rows 0..255 must be distinct field elements. */
export const MAX_TOTAL_SHARDS = 256;

/** Codecs up to this many shards key their erasure patterns by an exact bit mask in a double. */
const MASK_KEY_SHARDS = 52;
/** 2^i as a table lookup: `2 ** i` with a variable exponent costs ~35 ns in V8 (measured). */
const POW2 = Float64Array.from({ length: MASK_KEY_SHARDS + 1 }, (_, i) => 2 ** i);

export interface ReedSolomonOptions {
  /** Decode matrices kept per erasure pattern (least recently used evicted). Default 64. */
  inverseCacheSize?: number;
}

/** Rows of an inverted sub-matrix that rebuild the missing data shards, in kernel memory. */
interface DecodeMatrix {
  ptr: number;
  rows: number;
}

export class ReedSolomon {
  readonly totalShards: number;
  /** (ds+ps) × ds coding matrix, row-major. */
  private readonly matrix: Uint8Array;
  /** The ps parity rows of `matrix`, in kernel memory. */
  private readonly parityRowsPtr: number;
  /** u32[ds]: input shard pointers for the kernel. */
  private readonly inputsPtr: number;
  /** u32[ps]: output shard pointers for the kernel (never more than ps data shards are rebuilt). */
  private readonly outputsPtr: number;
  private readonly decodeCache = new Map<number | string, DecodeMatrix>();
  private readonly cacheLimit: number;
  /** The most recently used pattern, already last in LRU order: repeats skip the reorder. */
  private lastKey: number | string | undefined;
  private lastDecode: DecodeMatrix | undefined;
  /** Scratch: indices of the first ds present shards, and of the missing data shards. */
  private readonly chosen: Uint16Array;
  private readonly missing: Uint16Array;
  private disposed = false;

  constructor(
    private readonly kernels: Kernels,
    readonly dataShards: number,
    readonly parityShards: number,
    options: ReedSolomonOptions = {},
  ) {
    if (
      !Number.isInteger(dataShards) ||
      !Number.isInteger(parityShards) ||
      dataShards <= 0 ||
      parityShards <= 0 ||
      dataShards + parityShards > MAX_TOTAL_SHARDS
    ) {
      throw new InvalidShardCountError(dataShards, parityShards);
    }
    this.totalShards = dataShards + parityShards;
    this.cacheLimit = Math.max(1, options.inverseCacheSize ?? 64);
    this.matrix = codingMatrix(dataShards, parityShards);
    this.chosen = new Uint16Array(dataShards);
    this.missing = new Uint16Array(dataShards);

    this.parityRowsPtr = kernels.alloc(parityShards * dataShards, 16);
    this.inputsPtr = kernels.alloc(4 * dataShards, 16);
    this.outputsPtr = kernels.alloc(4 * parityShards, 16);
    kernels.bytes().set(this.matrix.subarray(dataShards * dataShards), this.parityRowsPtr);
  }

  /** Row r of the coding matrix (a copy): rows ds.. are the parity rows of docs/protocol.md Appendix A.5. */
  matrixRow(r: number): Uint8Array {
    if (!Number.isInteger(r) || r < 0 || r >= this.totalShards) throw new RangeError(`row ${r} out of range`);
    return this.matrix.slice(r * this.dataShards, (r + 1) * this.dataShards);
  }

  /** Writes the ps parity shards of the ds data shards; all buffers hold `len` bytes. */
  encode(dataPtrs: ArrayLike<number>, parityPtrs: ArrayLike<number>, len: number): void {
    this.checkUsable(len);
    if (dataPtrs.length !== this.dataShards) throw new RangeError(`expected ${this.dataShards} data pointers, got ${dataPtrs.length}`);
    if (parityPtrs.length !== this.parityShards) throw new RangeError(`expected ${this.parityShards} parity pointers, got ${parityPtrs.length}`);
    const words = this.kernels.u32();
    const inputs = this.inputsPtr >>> 2;
    const outputs = this.outputsPtr >>> 2;
    for (let k = 0; k < this.dataShards; k++) words[inputs + k] = dataPtrs[k]!;
    for (let j = 0; j < this.parityShards; j++) words[outputs + j] = parityPtrs[j]!;
    this.kernels.exports.gf_matrix_mul(this.parityRowsPtr, this.parityShards, this.dataShards, this.inputsPtr, this.outputsPtr, len);
  }

  /**
   * Rebuilds the missing data shards in place: `shardPtrs` has ds+ps entries (the buffers of
   * missing data shards are the outputs), `present` says which hold valid bytes. Uses the
   * first ds present shards, data before parity, as klauspost does. Missing parity shards
   * are not rebuilt. Returns false, touching nothing, when fewer than ds shards are present.
   */
  reconstruct(shardPtrs: ArrayLike<number>, present: ArrayLike<boolean>, len: number): boolean {
    this.checkUsable(len);
    const ds = this.dataShards;
    if (shardPtrs.length !== this.totalShards || present.length !== this.totalShards) {
      throw new RangeError(`expected ${this.totalShards} shard pointers and flags, got ${shardPtrs.length} and ${present.length}`);
    }
    let chosenCount = 0;
    let missingCount = 0;
    for (let i = 0; i < this.totalShards && chosenCount < ds; i++) {
      if (present[i]) this.chosen[chosenCount++] = i;
      else if (i < ds) this.missing[missingCount++] = i;
    }
    if (chosenCount < ds) return false;
    if (missingCount === 0) return true;

    const decode = this.decodeMatrix(missingCount);
    const words = this.kernels.u32(); // after decodeMatrix: a cache miss may grow memory
    const inputs = this.inputsPtr >>> 2;
    const outputs = this.outputsPtr >>> 2;
    for (let k = 0; k < ds; k++) words[inputs + k] = shardPtrs[this.chosen[k]!]!;
    for (let j = 0; j < missingCount; j++) words[outputs + j] = shardPtrs[this.missing[j]!]!;
    this.kernels.exports.gf_matrix_mul(decode.ptr, missingCount, ds, this.inputsPtr, this.outputsPtr, len);
    return true;
  }

  /** Number of erasure patterns whose decode matrix is cached. */
  get cachedPatterns(): number {
    return this.decodeCache.size;
  }

  /** Frees the codec's kernel memory; the codec is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of this.decodeCache.values()) this.kernels.free(entry.ptr);
    this.decodeCache.clear();
    this.lastDecode = undefined;
    this.kernels.free(this.parityRowsPtr);
    this.kernels.free(this.inputsPtr);
    this.kernels.free(this.outputsPtr);
  }

  private checkUsable(len: number): void {
    if (this.disposed) throw new Error('ReedSolomon codec used after dispose()');
    if (!Number.isInteger(len) || len < 0) throw new RangeError(`shard length must be a non-negative integer, got ${len}`);
  }

  /**
   * The decode rows for the pattern in `chosen`/`missing`, from the LRU cache or built: invert
   * the sub-matrix of the chosen rows, keep the rows of the missing data shards.
   */
  private decodeMatrix(missingCount: number): DecodeMatrix {
    const key = this.patternKey();
    if (key === this.lastKey && this.lastDecode) return this.lastDecode;
    const hit = this.decodeCache.get(key);
    if (hit) {
      // Map iteration order is insertion order: re-inserting marks it most recently used.
      this.decodeCache.delete(key);
      this.decodeCache.set(key, hit);
      this.lastKey = key;
      this.lastDecode = hit;
      return hit;
    }
    const ds = this.dataShards;
    const sub = new Uint8Array(ds * ds);
    for (let k = 0; k < ds; k++) sub.set(this.matrix.subarray(this.chosen[k]! * ds, (this.chosen[k]! + 1) * ds), k * ds);
    const inverse = invert(sub, ds);
    if (!inverse) throw new Error('Reed–Solomon sub-matrix is singular'); // impossible: any ds rows of M are independent
    const rows = new Uint8Array(missingCount * ds);
    for (let j = 0; j < missingCount; j++) rows.set(inverse.subarray(this.missing[j]! * ds, (this.missing[j]! + 1) * ds), j * ds);

    if (this.decodeCache.size >= this.cacheLimit) {
      const oldest = this.decodeCache.keys().next().value!;
      this.kernels.free(this.decodeCache.get(oldest)!.ptr);
      this.decodeCache.delete(oldest);
    }
    const entry = { ptr: this.kernels.alloc(rows.length, 16), rows: missingCount };
    this.kernels.bytes().set(rows, entry.ptr);
    this.decodeCache.set(key, entry);
    this.lastKey = key;
    this.lastDecode = entry;
    return entry;
  }

  /**
   * The chosen row set identifies the pattern (the missing data rows follow from it). Up to
   * MASK_KEY_SHARDS shards it is an exact bit mask in a double, so lookups allocate nothing;
   * larger codecs use a string of the indices.
   */
  private patternKey(): number | string {
    const ds = this.dataShards;
    if (this.totalShards <= MASK_KEY_SHARDS) {
      let mask = 0;
      for (let k = 0; k < ds; k++) mask += POW2[this.chosen[k]!]!;
      return mask;
    }
    return String.fromCharCode(...this.chosen);
  }
}
