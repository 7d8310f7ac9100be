/**
 * Naive Reed–Solomon erasure coding over GF(2^8), bit-compatible with klauspost/reedsolomon's
 * default matrix as kcp-go uses it (docs/protocol.md §2.4). Matrices are arrays of rows; every step is the
 * textbook one, so this is the oracle for the WebAssembly codec and the baseline of its bench.
 */
import { gfInverse, gfMul, gfPow } from './galois.js';

/** A matrix over GF(2^8), one Uint8Array per row. */
export type GfMatrix = Uint8Array[];

/** Largest ds + ps: the Vandermonde rows r = 0..255 must be distinct field elements. */
export const MAX_TOTAL_SHARDS = 256;

function checkShardCounts(dataShards: number, parityShards: number): void {
  if (!Number.isInteger(dataShards) || !Number.isInteger(parityShards) || dataShards <= 0 || parityShards <= 0 || dataShards + parityShards > MAX_TOTAL_SHARDS) {
    throw new RangeError(`invalid shard counts ${dataShards}+${parityShards}: need ds > 0, ps > 0, ds + ps <= ${MAX_TOTAL_SHARDS}`);
  }
}

/** rows × cols Vandermonde matrix V[r][c] = r^c (0^0 = 1). */
export function vandermonde(rows: number, cols: number): GfMatrix {
  const m: GfMatrix = [];
  for (let r = 0; r < rows; r++) {
    const row = new Uint8Array(cols);
    for (let c = 0; c < cols; c++) row[c] = gfPow(r, c);
    m.push(row);
  }
  return m;
}

/** a · b. */
export function multiplyMatrices(a: GfMatrix, b: GfMatrix): GfMatrix {
  const inner = b.length;
  const cols = b[0]!.length;
  return a.map((aRow) => {
    if (aRow.length !== inner) throw new RangeError('matrix dimensions do not match');
    const row = new Uint8Array(cols);
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let k = 0; k < inner; k++) sum ^= gfMul(aRow[k]!, b[k]![c]!);
      row[c] = sum;
    }
    return row;
  });
}

/** Inverse of a square matrix by Gauss–Jordan elimination on [m | I]; throws if singular. */
export function invertMatrix(m: GfMatrix): GfMatrix {
  const n = m.length;
  const work = m.map((row, r) => {
    if (row.length !== n) throw new RangeError('only square matrices can be inverted');
    const wide = new Uint8Array(2 * n);
    wide.set(row);
    wide[n + r] = 1;
    return wide;
  });
  for (let col = 0; col < n; col++) {
    // Bring a row with a non-zero pivot into place.
    let pivot = col;
    while (pivot < n && work[pivot]![col] === 0) pivot++;
    if (pivot === n) throw new RangeError('matrix is singular');
    [work[col], work[pivot]] = [work[pivot]!, work[col]!];
    const pivotRow = work[col]!;
    // Scale the pivot row so the pivot is 1.
    const scale = gfInverse(pivotRow[col]!);
    for (let k = 0; k < 2 * n; k++) pivotRow[k] = gfMul(pivotRow[k]!, scale);
    // Clear the column in every other row.
    for (let r = 0; r < n; r++) {
      const factor = work[r]![col]!;
      if (r === col || factor === 0) continue;
      for (let k = 0; k < 2 * n; k++) work[r]![k] = work[r]![k]! ^ gfMul(factor, pivotRow[k]!);
    }
  }
  return work.map((row) => row.slice(n));
}

/**
 * The (ds+ps) × ds coding matrix M = V · T⁻¹, where V is the Vandermonde matrix and T its top
 * ds rows: the top ds rows of M are the identity, row ds+j gives parity shard j.
 */
export function buildCodingMatrix(dataShards: number, parityShards: number): GfMatrix {
  checkShardCounts(dataShards, parityShards);
  const v = vandermonde(dataShards + parityShards, dataShards);
  return multiplyMatrices(v, invertMatrix(v.slice(0, dataShards)));
}

/** out[b] = XOR over k of row[k] · shards[k][b]. */
function combine(row: Uint8Array, shards: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let k = 0; k < row.length; k++) {
    const coefficient = row[k]!;
    const shard = shards[k]!;
    for (let b = 0; b < length; b++) out[b] = out[b]! ^ gfMul(coefficient, shard[b]!);
  }
  return out;
}

/** Each matrix row applied to the shards: the byte work of encoding and reconstruction. */
export function multiplyShards(rows: GfMatrix, shards: readonly Uint8Array[], length: number): Uint8Array[] {
  return rows.map((row) => combine(row, shards, length));
}

function commonLength(shards: readonly (Uint8Array | null)[]): number {
  let length = -1;
  for (const s of shards) {
    if (!s) continue;
    if (length === -1) length = s.length;
    else if (s.length !== length) throw new RangeError('all shards must have the same length');
  }
  return Math.max(length, 0);
}

/** The ps parity shards of ds equally long data shards. */
export function encodeParity(dataShards: number, parityShards: number, shards: readonly Uint8Array[]): Uint8Array[] {
  const m = buildCodingMatrix(dataShards, parityShards);
  if (shards.length !== dataShards) throw new RangeError(`expected ${dataShards} data shards, got ${shards.length}`);
  const length = commonLength(shards);
  return multiplyShards(m.slice(dataShards), shards, length);
}

/**
 * All ds data shards from any ds of the ds+ps shards (null = lost): invert the rows of M that
 * belong to the first ds present shards (data before parity, as klauspost does) and apply the
 * inverse to those shards. Present data shards are returned as they are.
 */
export function reconstructData(dataShards: number, parityShards: number, shards: readonly (Uint8Array | null)[]): Uint8Array[] {
  const m = buildCodingMatrix(dataShards, parityShards);
  if (shards.length !== dataShards + parityShards) throw new RangeError(`expected ${dataShards + parityShards} shard slots, got ${shards.length}`);
  const length = commonLength(shards);
  const chosen: number[] = [];
  for (let i = 0; i < shards.length && chosen.length < dataShards; i++) if (shards[i]) chosen.push(i);
  if (chosen.length < dataShards) throw new RangeError(`need ${dataShards} shards to reconstruct, have ${chosen.length}`);
  const decode = invertMatrix(chosen.map((i) => m[i]!));
  const inputs = chosen.map((i) => shards[i]!);
  const data: Uint8Array[] = [];
  for (let d = 0; d < dataShards; d++) data.push(shards[d] ?? combine(decode[d]!, inputs, length));
  return data;
}
