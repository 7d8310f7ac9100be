/**
 * GF(2^8) arithmetic, written for clarity: the oracle the optimised Reed–Solomon kernels
 * are tested against. Field of kcp-go's FEC (klauspost/reedsolomon): reduction polynomial
 * x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator 2 (docs/protocol.md §2.4).
 */

/** The reduction polynomial, including the x^8 term. */
export const GF_POLYNOMIAL = 0x11d;

/** GF_EXP[i] = 2^i for i = 0..254; repeated once so GF_EXP[log a + log b] needs no modulo. */
export const GF_EXP: Uint8Array = new Uint8Array(510);

/** GF_LOG[a] = i with 2^i = a, for a = 1..255 (GF_LOG[0] is meaningless and stays 0). */
export const GF_LOG: Uint8Array = new Uint8Array(256);

// Build both tables by repeated multiplication by the generator 2.
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x;
    GF_EXP[i + 255] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLYNOMIAL;
  }
}

/** a + b (and a − b): bitwise XOR in characteristic 2. */
export function gfAdd(a: number, b: number): number {
  return a ^ b;
}

/** a · b through the log/exp tables. */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF_EXP[GF_LOG[a]! + GF_LOG[b]!]!;
}

/** The multiplicative inverse; 0 has none. */
export function gfInverse(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)');
  return GF_EXP[255 - GF_LOG[a]!]!;
}

/** a / b. */
export function gfDiv(a: number, b: number): number {
  return gfMul(a, gfInverse(b));
}

/** a^n by repeated multiplication, with 0^0 = 1 as the Vandermonde matrix needs. */
export function gfPow(a: number, n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = gfMul(r, a);
  return r;
}

/** a · b by shift-and-add with reduction: an independent check on the tables. */
export function gfMulSlow(a: number, b: number): number {
  let p = 0;
  while (b !== 0) {
    if (b & 1) p ^= a;
    a <<= 1;
    if (a & 0x100) a ^= GF_POLYNOMIAL;
    b >>= 1;
  }
  return p;
}
