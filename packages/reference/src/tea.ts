/**
 * TEA, written for clarity: the oracle for the WebAssembly kernel. kcp-go's `tea` is
 * TEA with **16 rounds** (docs/protocol.md §1.2): the pair of half-rounds runs rounds / 2 = 8 times,
 * so the sum after encryption is 8·delta. Words are big-endian for the block (v0 = bytes
 * 0–3, v1 = 4–7) and the 16-byte key (k0..k3).
 */

const DELTA = 0x9e3779b9;

function readU32BE(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function writeU32BE(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

export class Tea {
  readonly blockSize = 8;
  private readonly k: number[];

  /**
   * @param rounds Feistel rounds, even: 16 for kcptun; 64 is the textbook TEA, kept so the
   * reference can be checked against published 64-round vectors.
   */
  constructor(key: Uint8Array, readonly rounds = 16) {
    if (key.length !== 16) throw new RangeError(`TEA key must be 16 bytes, got ${key.length}`);
    if (!Number.isInteger(rounds) || rounds <= 0 || rounds % 2 !== 0) throw new RangeError(`TEA rounds must be a positive even number, got ${rounds}`);
    this.k = [0, 4, 8, 12].map((at) => readU32BE(key, at));
  }

  encryptBlock(block: Uint8Array): void {
    const [k0, k1, k2, k3] = this.k as [number, number, number, number];
    let v0 = readU32BE(block, 0);
    let v1 = readU32BE(block, 4);
    let sum = 0;
    for (let i = 0; i < this.rounds / 2; i++) {
      sum = (sum + DELTA) >>> 0;
      v0 = (v0 + ((((v1 << 4) + k0) ^ (v1 + sum) ^ ((v1 >>> 5) + k1)) >>> 0)) >>> 0;
      v1 = (v1 + ((((v0 << 4) + k2) ^ (v0 + sum) ^ ((v0 >>> 5) + k3)) >>> 0)) >>> 0;
    }
    writeU32BE(block, 0, v0);
    writeU32BE(block, 4, v1);
  }
}
