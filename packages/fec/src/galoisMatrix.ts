/**
 * The matrix side of Reed–Solomon over GF(2^8) (0x11D, generator 2; docs/protocol.md §2.4), on flat
 * row-major Uint8Arrays. It runs once per codec and once per new erasure pattern, so it
 * favours plain code; the byte streaming happens in the WebAssembly kernel.
 */

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = EXP[i + 255] = x;
    LOG[x] = i;
    x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
  }
}

export function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

function inverse(a: number): number {
  return EXP[255 - LOG[a]!]!;
}

/**
 * Inverse of the n × n matrix `m` by Gauss–Jordan elimination, or null if it is singular
 * (which cannot happen for sub-matrices of a valid coding matrix).
 */
export function invert(m: Uint8Array, n: number): Uint8Array | null {
  const a = m.slice(0, n * n);
  const inv = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && a[pivot * n + col] === 0) pivot++;
    if (pivot === n) return null;
    if (pivot !== col) {
      swapRows(a, n, pivot, col);
      swapRows(inv, n, pivot, col);
    }
    const s = inverse(a[col * n + col]!);
    for (let k = 0; k < n; k++) {
      a[col * n + k] = mul(a[col * n + k]!, s);
      inv[col * n + k] = mul(inv[col * n + k]!, s);
    }
    // Every index below is < n·n, the length of both matrices.
    for (let r = 0; r < n; r++) {
      const f = a[r * n + col]!;
      if (r === col || f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k] = a[r * n + k]! ^ mul(f, a[col * n + k]!);
        inv[r * n + k] = inv[r * n + k]! ^ mul(f, inv[col * n + k]!);
      }
    }
  }
  return inv;
}

function swapRows(m: Uint8Array, n: number, i: number, j: number): void {
  for (let k = 0; k < n; k++) {
    const t = m[i * n + k]!;
    m[i * n + k] = m[j * n + k]!;
    m[j * n + k] = t;
  }
}

/**
 * klauspost/reedsolomon's default (ds+ps) × ds coding matrix: the Vandermonde matrix
 * V[r][c] = r^c (0^0 = 1) times the inverse of its top ds × ds square, so the top ds rows
 * are the identity and row ds+j yields parity shard j.
 */
export function codingMatrix(dataShards: number, parityShards: number): Uint8Array {
  const rows = dataShards + parityShards;
  const n = dataShards;
  const v = new Uint8Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let p = 1;
    for (let c = 0; c < n; c++) {
      v[r * n + c] = p;
      p = mul(p, r);
    }
  }
  const topInverse = invert(v, n);
  if (!topInverse) throw new Error('Vandermonde top square is singular'); // impossible for rows <= 256
  const m = new Uint8Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum ^= mul(v[r * n + k]!, topInverse[k * n + c]!);
      m[r * n + c] = sum;
    }
  }
  return m;
}
