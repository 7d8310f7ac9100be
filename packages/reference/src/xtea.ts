/**
 * XTEA, written for clarity: the oracle for the WebAssembly kernel. Standard XTEA with 32
 * cycles (64 Feistel rounds), big-endian block and key words (docs/protocol.md §1.2).
 */

const DELTA = 0x9e3779b9;
const CYCLES = 32;

function readU32BE(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function writeU32BE(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

export class Xtea {
  readonly blockSize = 8;
  private readonly k: number[];

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError(`XTEA key must be 16 bytes, got ${key.length}`);
    this.k = [0, 4, 8, 12].map((at) => readU32BE(key, at));
  }

  encryptBlock(block: Uint8Array): void {
    let v0 = readU32BE(block, 0);
    let v1 = readU32BE(block, 4);
    let sum = 0;
    for (let i = 0; i < CYCLES; i++) {
      v0 = (v0 + (((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (sum + this.k[sum & 3]!)) >>> 0)) >>> 0;
      sum = (sum + DELTA) >>> 0;
      v1 = (v1 + (((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (sum + this.k[(sum >>> 11) & 3]!)) >>> 0)) >>> 0;
    }
    writeU32BE(block, 0, v0);
    writeU32BE(block, 4, v1);
  }
}
