/**
 * Blowfish (Schneier 1993), written for clarity: the oracle for the WASM kernel.
 * Encryption only. Keys of 1..56 bytes (kcptun: 32). Big-endian words.
 *
 * The initial P-array and S-boxes are the fractional hexadecimal digits of pi.
 * This module computes them itself (exact BigInt arithmetic, Machin's formula)
 * the first time a key is set, so it shares no table with the Rust kernel.
 */

let piWords: Uint32Array | undefined;

/** The first 18 + 4·256 32-bit words of the fractional part of pi. */
export function blowfishPiWords(): Uint32Array {
  if (piWords) return piWords;
  const count = 18 + 4 * 256;
  const bits = BigInt(count * 32 + 64); // 64 guard bits absorb the truncation errors
  const one = 1n << bits;
  // atan(1/x) · 2^bits = Σ (-1)^k 2^bits / ((2k+1) x^(2k+1))
  const atanInv = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    for (let k = 0n; power !== 0n; k++) {
      const term = power / (2n * k + 1n);
      sum += k % 2n === 0n ? term : -term;
      power /= x * x;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n); // pi · 2^bits
  const fraction = (pi % one) >> 64n;
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = Number((fraction >> BigInt(32 * (count - 1 - i))) & 0xffffffffn);
  piWords = words;
  return words;
}

export class Blowfish {
  readonly blockSize = 8;
  private readonly p: Uint32Array;
  private readonly s: Uint32Array[];

  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 56) throw new RangeError(`Blowfish key must be 1..56 bytes, got ${key.length}`);
    const pi = blowfishPiWords();
    this.p = pi.slice(0, 18);
    this.s = [0, 1, 2, 3].map((b) => pi.slice(18 + 256 * b, 18 + 256 * (b + 1)));
    // XOR the key, repeated as a byte stream, into P (4 bytes per word, big-endian).
    let j = 0;
    for (let i = 0; i < 18; i++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        word = ((word << 8) | key[j]!) >>> 0;
        j = (j + 1) % key.length;
      }
      this.p[i] = (this.p[i]! ^ word) >>> 0;
    }
    // Encrypt the all-zero block repeatedly, replacing P then the S-boxes two words at a time.
    const block = [0, 0];
    const refill = (table: Uint32Array) => {
      for (let i = 0; i < table.length; i += 2) {
        this.encryptWords(block);
        table[i] = block[0]!;
        table[i + 1] = block[1]!;
      }
    };
    refill(this.p);
    for (const sbox of this.s) refill(sbox);
  }

  private f(x: number): number {
    const [s0, s1, s2, s3] = this.s as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const a = s0[x >>> 24]!;
    const b = s1[(x >>> 16) & 0xff]!;
    const c = s2[(x >>> 8) & 0xff]!;
    const d = s3[x & 0xff]!;
    return ((((a + b) >>> 0) ^ c) + d) >>> 0;
  }

  /** The Feistel network on [L, R], in place. */
  private encryptWords(lr: number[]): void {
    let l = lr[0]!;
    let r = lr[1]!;
    for (let i = 0; i < 16; i++) {
      l = (l ^ this.p[i]!) >>> 0;
      r = (r ^ this.f(l)) >>> 0;
      [l, r] = [r, l];
    }
    [l, r] = [r, l]; // undo the last swap
    r = (r ^ this.p[16]!) >>> 0;
    l = (l ^ this.p[17]!) >>> 0;
    lr[0] = l;
    lr[1] = r;
  }

  /** Encrypt one 8-byte block in place. */
  encryptBlock(block: Uint8Array): void {
    const view = new DataView(block.buffer, block.byteOffset, 8);
    const lr = [view.getUint32(0), view.getUint32(4)];
    this.encryptWords(lr);
    view.setUint32(0, lr[0]!);
    view.setUint32(4, lr[1]!);
  }
}
