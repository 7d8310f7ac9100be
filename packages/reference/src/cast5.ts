/**
 * CAST-128 / CAST5 (RFC 2144), written for clarity: the oracle for the WASM kernel.
 * Encryption only. Keys of 5..16 bytes are zero-padded to 16; keys of at most
 * 80 bits use 12 rounds, longer ones 16 (kcptun: 16-byte key, 16 rounds).
 * The key schedule below is RFC 2144 §2.4 line by line, on the 16 key bytes
 * x0..xF and the 16 temporary bytes z0..zF.
 */
import { CAST5_SBOXES } from './tables/cast5Sboxes.js';

const [S1, S2, S3, S4, S5, S6, S7, S8] = CAST5_SBOXES as [
  readonly number[], readonly number[], readonly number[], readonly number[],
  readonly number[], readonly number[], readonly number[], readonly number[],
];

const rotl32 = (v: number, n: number): number => (n === 0 ? v >>> 0 : ((v << n) | (v >>> (32 - n))) >>> 0);

/** Bytes b[i..i+4] as a big-endian word. */
const word = (b: number[], i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/** Store word w big-endian into b[i..i+4]. */
function setWord(b: number[], i: number, w: number): void {
  b[i] = w >>> 24;
  b[i + 1] = (w >>> 16) & 0xff;
  b[i + 2] = (w >>> 8) & 0xff;
  b[i + 3] = w & 0xff;
}

export class Cast5 {
  readonly blockSize = 8;
  readonly rounds: number;
  private readonly km: number[] = [];
  private readonly kr: number[] = [];

  constructor(key: Uint8Array) {
    if (key.length < 5 || key.length > 16) throw new RangeError(`CAST5 key must be 5..16 bytes, got ${key.length}`);
    this.rounds = key.length <= 10 ? 12 : 16;
    const x = Array.from({ length: 16 }, (_, i) => key[i] ?? 0);
    const z = new Array<number>(16).fill(0);
    const K: number[] = [];
    // z0z1z2z3 = x0x1x2x3 ^ S5[xD] ^ S6[xF] ^ S7[xC] ^ S8[xE] ^ S7[x8], etc.
    const xToZ = () => {
      setWord(z, 0, word(x, 0) ^ S5[x[0xd]!]! ^ S6[x[0xf]!]! ^ S7[x[0xc]!]! ^ S8[x[0xe]!]! ^ S7[x[0x8]!]!);
      setWord(z, 4, word(x, 8) ^ S5[z[0x0]!]! ^ S6[z[0x2]!]! ^ S7[z[0x1]!]! ^ S8[z[0x3]!]! ^ S8[x[0xa]!]!);
      setWord(z, 8, word(x, 12) ^ S5[z[0x7]!]! ^ S6[z[0x6]!]! ^ S7[z[0x5]!]! ^ S8[z[0x4]!]! ^ S5[x[0x9]!]!);
      setWord(z, 12, word(x, 4) ^ S5[z[0xa]!]! ^ S6[z[0x9]!]! ^ S7[z[0xb]!]! ^ S8[z[0x8]!]! ^ S6[x[0xb]!]!);
    };
    const zToX = () => {
      setWord(x, 0, word(z, 8) ^ S5[z[0x5]!]! ^ S6[z[0x7]!]! ^ S7[z[0x4]!]! ^ S8[z[0x6]!]! ^ S7[z[0x0]!]!);
      setWord(x, 4, word(z, 0) ^ S5[x[0x0]!]! ^ S6[x[0x2]!]! ^ S7[x[0x1]!]! ^ S8[x[0x3]!]! ^ S8[z[0x2]!]!);
      setWord(x, 8, word(z, 4) ^ S5[x[0x7]!]! ^ S6[x[0x6]!]! ^ S7[x[0x5]!]! ^ S8[x[0x4]!]! ^ S5[z[0x1]!]!);
      setWord(x, 12, word(z, 12) ^ S5[x[0xa]!]! ^ S6[x[0x9]!]! ^ S7[x[0xb]!]! ^ S8[x[0x8]!]! ^ S6[z[0x3]!]!);
    };
    const push = (...v: number[]) => {
      for (const w of v) K.push(w >>> 0);
    };
    for (let half = 0; half < 2; half++) {
      // K1..K16 in the first pass, K17..K32 in the second.
      xToZ();
      push(
        S5[z[0x8]!]! ^ S6[z[0x9]!]! ^ S7[z[0x7]!]! ^ S8[z[0x6]!]! ^ S5[z[0x2]!]!,
        S5[z[0xa]!]! ^ S6[z[0xb]!]! ^ S7[z[0x5]!]! ^ S8[z[0x4]!]! ^ S6[z[0x6]!]!,
        S5[z[0xc]!]! ^ S6[z[0xd]!]! ^ S7[z[0x3]!]! ^ S8[z[0x2]!]! ^ S7[z[0x9]!]!,
        S5[z[0xe]!]! ^ S6[z[0xf]!]! ^ S7[z[0x1]!]! ^ S8[z[0x0]!]! ^ S8[z[0xc]!]!,
      );
      zToX();
      push(
        S5[x[0x3]!]! ^ S6[x[0x2]!]! ^ S7[x[0xc]!]! ^ S8[x[0xd]!]! ^ S5[x[0x8]!]!,
        S5[x[0x1]!]! ^ S6[x[0x0]!]! ^ S7[x[0xe]!]! ^ S8[x[0xf]!]! ^ S6[x[0xd]!]!,
        S5[x[0x7]!]! ^ S6[x[0x6]!]! ^ S7[x[0x8]!]! ^ S8[x[0x9]!]! ^ S7[x[0x3]!]!,
        S5[x[0x5]!]! ^ S6[x[0x4]!]! ^ S7[x[0xa]!]! ^ S8[x[0xb]!]! ^ S8[x[0x7]!]!,
      );
      xToZ();
      push(
        S5[z[0x3]!]! ^ S6[z[0x2]!]! ^ S7[z[0xc]!]! ^ S8[z[0xd]!]! ^ S5[z[0x9]!]!,
        S5[z[0x1]!]! ^ S6[z[0x0]!]! ^ S7[z[0xe]!]! ^ S8[z[0xf]!]! ^ S6[z[0xc]!]!,
        S5[z[0x7]!]! ^ S6[z[0x6]!]! ^ S7[z[0x8]!]! ^ S8[z[0x9]!]! ^ S7[z[0x2]!]!,
        S5[z[0x5]!]! ^ S6[z[0x4]!]! ^ S7[z[0xa]!]! ^ S8[z[0xb]!]! ^ S8[z[0x6]!]!,
      );
      zToX();
      push(
        S5[x[0x8]!]! ^ S6[x[0x9]!]! ^ S7[x[0x7]!]! ^ S8[x[0x6]!]! ^ S5[x[0x3]!]!,
        S5[x[0xa]!]! ^ S6[x[0xb]!]! ^ S7[x[0x5]!]! ^ S8[x[0x4]!]! ^ S6[x[0x7]!]!,
        S5[x[0xc]!]! ^ S6[x[0xd]!]! ^ S7[x[0x3]!]! ^ S8[x[0x2]!]! ^ S7[x[0x8]!]!,
        S5[x[0xe]!]! ^ S6[x[0xf]!]! ^ S7[x[0x1]!]! ^ S8[x[0x0]!]! ^ S8[x[0xd]!]!,
      );
    }
    for (let i = 0; i < 16; i++) {
      this.km.push(K[i]!);
      this.kr.push(K[16 + i]! & 31);
    }
  }

  /** Round function of type 1, 2 or 3 (RFC 2144 §2.2) for round index i (0-based). */
  private f(i: number, d: number): number {
    const km = this.km[i]!;
    const kr = this.kr[i]!;
    const type = (i % 3) + 1;
    const t = type === 1 ? (km + d) >>> 0 : type === 2 ? (km ^ d) >>> 0 : (km - d) >>> 0;
    const I = rotl32(t, kr);
    const a = S1[I >>> 24]!;
    const b = S2[(I >>> 16) & 0xff]!;
    const c = S3[(I >>> 8) & 0xff]!;
    const e = S4[I & 0xff]!;
    if (type === 1) return ((((a ^ b) - c) >>> 0) + e) >>> 0;
    if (type === 2) return ((((a - b) >>> 0) + c) >>> 0 ^ e) >>> 0;
    return ((((a + b) >>> 0) ^ c) - e) >>> 0;
  }

  /** Encrypt one 8-byte block in place. */
  encryptBlock(block: Uint8Array): void {
    const view = new DataView(block.buffer, block.byteOffset, 8);
    let l = view.getUint32(0);
    let r = view.getUint32(4);
    for (let i = 0; i < this.rounds; i++) {
      const next = (l ^ this.f(i, r)) >>> 0;
      l = r;
      r = next;
    }
    view.setUint32(0, r); // output (R, L)
    view.setUint32(4, l);
  }
}
