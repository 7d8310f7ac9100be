/**
 * Twofish (Schneier et al. 1998), written for clarity: the oracle for the WASM kernel.
 * Encryption only; 16-, 24- or 32-byte keys like Go's x/crypto/twofish (kcptun: 32).
 * Twofish is little-endian: block and key words are read least-significant byte first.
 *
 * Everything is evaluated from the paper's definitions on every call: q0/q1 from
 * their 4-bit tables, the key-dependent S-boxes through h(), and the MDS product by
 * GF(2^8) multiplication. Nothing is precomputed into per-key tables (the kernel does that).
 */

/** The 4-bit tables t0..t3 that define q0 and q1 (paper §4.3.5). */
const Q_TABLES: readonly (readonly (readonly number[])[])[] = [
  [
    [0x8, 0x1, 0x7, 0xd, 0x6, 0xf, 0x3, 0x2, 0x0, 0xb, 0x5, 0x9, 0xe, 0xc, 0xa, 0x4],
    [0xe, 0xc, 0xb, 0x8, 0x1, 0x2, 0x3, 0x5, 0xf, 0x4, 0xa, 0x6, 0x7, 0x0, 0x9, 0xd],
    [0xb, 0xa, 0x5, 0xe, 0x6, 0xd, 0x9, 0x0, 0xc, 0x8, 0xf, 0x3, 0x2, 0x4, 0x7, 0x1],
    [0xd, 0x7, 0xf, 0x4, 0x1, 0x2, 0x6, 0xe, 0x9, 0xb, 0x3, 0x0, 0x8, 0x5, 0xc, 0xa],
  ],
  [
    [0x2, 0x8, 0xb, 0xd, 0xf, 0x7, 0x6, 0xe, 0x3, 0x1, 0x9, 0x4, 0x0, 0xa, 0xc, 0x5],
    [0x1, 0xe, 0x2, 0xb, 0x4, 0xc, 0x3, 0x7, 0x6, 0xd, 0xa, 0x5, 0xf, 0x9, 0x0, 0x8],
    [0x4, 0xc, 0x7, 0x5, 0x1, 0x6, 0x9, 0xa, 0x0, 0xe, 0xd, 0x8, 0x2, 0xb, 0x3, 0xf],
    [0xb, 0x9, 0x5, 0x1, 0xc, 0x3, 0xd, 0xe, 0x6, 0x4, 0x7, 0xf, 0x2, 0x0, 0x8, 0xa],
  ],
];

const ror4 = (v: number): number => ((v >> 1) | ((v & 1) << 3)) & 0xf;

/** q0 (which = 0) or q1 (which = 1) applied to byte x, straight from the paper. */
function q(which: number, x: number): number {
  const t = Q_TABLES[which]!;
  let a = x >> 4;
  let b = x & 0xf;
  [a, b] = [a ^ b, (a ^ ror4(b) ^ (8 * a)) & 0xf];
  [a, b] = [t[0]![a]!, t[1]![b]!];
  [a, b] = [a ^ b, (a ^ ror4(b) ^ (8 * a)) & 0xf];
  [a, b] = [t[2]![a]!, t[3]![b]!];
  return 16 * b + a;
}

/** a·b in GF(2^8) modulo `poly` (degree 8, given with its x^8 bit). */
function gmul(a: number, b: number, poly: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= poly;
    b >>= 1;
  }
  return r;
}

const MDS = [
  [0x01, 0xef, 0x5b, 0x5b],
  [0x5b, 0xef, 0xef, 0x01],
  [0xef, 0x5b, 0x01, 0xef],
  [0xef, 0x01, 0xef, 0x5b],
];
const RS = [
  [0x01, 0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e],
  [0xa4, 0x56, 0x82, 0xf3, 0x1e, 0xc6, 0x68, 0xe5],
  [0x02, 0xa1, 0xfc, 0xc1, 0x47, 0xae, 0x3d, 0x19],
  [0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e, 0x03],
];

const bytesOf = (w: number): number[] => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24];
const wordOf = (b: number[]): number => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
const rotl = (v: number, n: number): number => ((v << n) | (v >>> (32 - n))) >>> 0;
const rotr = (v: number, n: number): number => ((v >>> n) | (v << (32 - n))) >>> 0;

/** The function h (paper §4.3.2, figure 2): word X through key-dependent q-layers, then MDS. */
function h(x: number, l: readonly number[]): number {
  const k = l.length;
  const y = bytesOf(x);
  const lb = l.map(bytesOf);
  if (k === 4) {
    y[0] = q(1, y[0]!) ^ lb[3]![0]!;
    y[1] = q(0, y[1]!) ^ lb[3]![1]!;
    y[2] = q(0, y[2]!) ^ lb[3]![2]!;
    y[3] = q(1, y[3]!) ^ lb[3]![3]!;
  }
  if (k >= 3) {
    y[0] = q(1, y[0]!) ^ lb[2]![0]!;
    y[1] = q(1, y[1]!) ^ lb[2]![1]!;
    y[2] = q(0, y[2]!) ^ lb[2]![2]!;
    y[3] = q(0, y[3]!) ^ lb[2]![3]!;
  }
  y[0] = q(1, q(0, q(0, y[0]!) ^ lb[1]![0]!) ^ lb[0]![0]!);
  y[1] = q(0, q(0, q(1, y[1]!) ^ lb[1]![1]!) ^ lb[0]![1]!);
  y[2] = q(1, q(1, q(0, y[2]!) ^ lb[1]![2]!) ^ lb[0]![2]!);
  y[3] = q(0, q(1, q(1, y[3]!) ^ lb[1]![3]!) ^ lb[0]![3]!);
  const z = MDS.map((row) => row.reduce((acc, m, j) => acc ^ gmul(m, y[j]!, 0x169), 0));
  return wordOf(z);
}

export class Twofish {
  readonly blockSize = 16;
  /** Round subkeys K0..K39. */
  private readonly subkeys: number[] = [];
  /** S-box key words in the order h takes them: (S_{k-1}, ..., S_0). */
  private readonly sboxKey: number[];

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new RangeError(`Twofish key must be 16, 24 or 32 bytes, got ${key.length}`);
    }
    const k = key.length / 8;
    const m = Array.from({ length: 2 * k }, (_, i) => wordOf(Array.from(key.subarray(4 * i, 4 * i + 4))));
    const me = m.filter((_, i) => i % 2 === 0);
    const mo = m.filter((_, i) => i % 2 === 1);
    const s: number[] = [];
    for (let i = 0; i < k; i++) {
      const chunk = key.subarray(8 * i, 8 * i + 8);
      s.push(wordOf(RS.map((row) => row.reduce((acc, r, j) => acc ^ gmul(r, chunk[j]!, 0x14d), 0))));
    }
    this.sboxKey = s.reverse();
    const rho = 0x01010101;
    for (let i = 0; i < 20; i++) {
      const a = h(Math.imul(2 * i, rho) >>> 0, me);
      const b = rotl(h(Math.imul(2 * i + 1, rho) >>> 0, mo), 8);
      this.subkeys.push((a + b) >>> 0, rotl((a + 2 * b) >>> 0, 9));
    }
  }

  private g(x: number): number {
    return h(x, this.sboxKey);
  }

  /** Encrypt one 16-byte block in place. */
  encryptBlock(block: Uint8Array): void {
    const view = new DataView(block.buffer, block.byteOffset, 16);
    const K = this.subkeys;
    let r = [0, 1, 2, 3].map((i) => (view.getUint32(4 * i, true) ^ K[i]!) >>> 0);
    for (let round = 0; round < 16; round++) {
      const t0 = this.g(r[0]!);
      const t1 = this.g(rotl(r[1]!, 8));
      const f0 = (t0 + t1 + K[2 * round + 8]!) >>> 0;
      const f1 = (t0 + 2 * t1 + K[2 * round + 9]!) >>> 0;
      const r2 = rotr((r[2]! ^ f0) >>> 0, 1);
      const r3 = (rotl(r[3]!, 1) ^ f1) >>> 0;
      r = [r2, r3, r[0]!, r[1]!];
    }
    // Undo the last swap, then output whitening.
    const out = [r[2]!, r[3]!, r[0]!, r[1]!];
    for (let i = 0; i < 4; i++) view.setUint32(4 * i, (out[i]! ^ K[i + 4]!) >>> 0, true);
  }
}
