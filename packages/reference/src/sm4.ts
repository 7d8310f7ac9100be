/**
 * SM4 (GB/T 32907-2016), written for clarity: the oracle for the WebAssembly kernel.
 * 128-bit key and block, big-endian words, 32 rounds; only the forward cipher (CFB).
 */

/** The SM4 S-box, row by row. */
const SBOX = Uint8Array.from(
  Buffer.from(
    'd690e9fecce13db716b614c228fb2c05' +
      '2b679a762abe04c3aa44132649860699' +
      '9c4250f491ef987a33540b43edcfac62' +
      'e4b31ca9c908e89580df94fa758f3fa6' +
      '4707a7fcf37317ba83593c19e6854fa8' +
      '686b81b27164da8bf8eb0f4b70569d35' +
      '1e240e5e6358d1a225227c3b01217887' +
      'd40046579fd327524c3602e7a0c4c89e' +
      'eabf8ad240c738b5a3f7f2cef96115a1' +
      'e0ae5da49b341a55ad933230f58cb1e3' +
      '1df6e22e8266ca60c02923ab0d534e6f' +
      'd5db3745defd8e2f03ff6a726d6c5b51' +
      '8d1baf92bbddbc7f11d95c411f105ad8' +
      '0ac13188a5cd7bbd2d74d012b8e5b4b0' +
      '8969974a0c96777e65b9f109c56ec684' +
      '18f07dec3adc4d2079ee5f3ed7cb3948',
    'hex',
  ),
);

/** System parameter FK. */
const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc];

/** Fixed parameter CK_i: byte j is (4i + j) · 7 mod 256. */
function ck(i: number): number {
  let w = 0;
  for (let j = 0; j < 4; j++) w = (w << 8) | (((4 * i + j) * 7) & 0xff);
  return w >>> 0;
}

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** τ: the S-box on each byte. */
function tau(x: number): number {
  return ((SBOX[x >>> 24]! << 24) | (SBOX[(x >>> 16) & 0xff]! << 16) | (SBOX[(x >>> 8) & 0xff]! << 8) | SBOX[x & 0xff]!) >>> 0;
}

/** Round transform T = L ∘ τ. */
function roundT(x: number): number {
  const b = tau(x);
  return (b ^ rotl(b, 2) ^ rotl(b, 10) ^ rotl(b, 18) ^ rotl(b, 24)) >>> 0;
}

/** Key-schedule transform T' = L' ∘ τ. */
function keyT(x: number): number {
  const b = tau(x);
  return (b ^ rotl(b, 13) ^ rotl(b, 23)) >>> 0;
}

function readU32BE(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function writeU32BE(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

export class Sm4 {
  readonly blockSize = 16;
  private readonly rk: number[] = [];

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError(`SM4 key must be 16 bytes, got ${key.length}`);
    const k = [0, 1, 2, 3].map((i) => (readU32BE(key, 4 * i) ^ FK[i]!) >>> 0);
    for (let i = 0; i < 32; i++) {
      k[i + 4] = (k[i]! ^ keyT(k[i + 1]! ^ k[i + 2]! ^ k[i + 3]! ^ ck(i))) >>> 0;
      this.rk.push(k[i + 4]!);
    }
  }

  encryptBlock(block: Uint8Array): void {
    const x = [0, 1, 2, 3].map((i) => readU32BE(block, 4 * i));
    for (let i = 0; i < 32; i++) {
      x[i + 4] = (x[i]! ^ roundT(x[i + 1]! ^ x[i + 2]! ^ x[i + 3]! ^ this.rk[i]!)) >>> 0;
    }
    // Output: the reverse of the last four words (X35, X34, X33, X32).
    for (let i = 0; i < 4; i++) writeU32BE(block, 4 * i, x[35 - i]!);
  }
}
