/**
 * Salsa20/20 with a 64-bit nonce and a 64-bit block counter starting at 0 (as libsodium's
 * `crypto_stream_salsa20`), written for clarity: the oracle for the WebAssembly kernel.
 * kcptun (docs/protocol.md §1.5) applies it to datagram bytes 8..end with bytes 0–7 as the nonce;
 * this function is the bare stream cipher.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

function readU32LE(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** The quarter-round of the Salsa20 specification, on four indices of `x`. */
function quarterRound(x: number[], a: number, b: number, c: number, d: number): void {
  x[b] = (x[b]! ^ rotl((x[a]! + x[d]!) >>> 0, 7)) >>> 0;
  x[c] = (x[c]! ^ rotl((x[b]! + x[a]!) >>> 0, 9)) >>> 0;
  x[d] = (x[d]! ^ rotl((x[c]! + x[b]!) >>> 0, 13)) >>> 0;
  x[a] = (x[a]! ^ rotl((x[d]! + x[c]!) >>> 0, 18)) >>> 0;
}

/** One 64-byte keystream block. */
function salsa20Block(key: Uint8Array, nonce: Uint8Array, counter: bigint): Uint8Array {
  const k = (i: number) => readU32LE(key, 4 * i);
  const input = [
    SIGMA[0]!, k(0), k(1), k(2),
    k(3), SIGMA[1]!, readU32LE(nonce, 0), readU32LE(nonce, 4),
    Number(counter & 0xffffffffn), Number(counter >> 32n), SIGMA[2]!, k(4),
    k(5), k(6), k(7), SIGMA[3]!,
  ];
  const x = [...input];
  for (let i = 0; i < 10; i++) {
    // column round
    quarterRound(x, 0, 4, 8, 12);
    quarterRound(x, 5, 9, 13, 1);
    quarterRound(x, 10, 14, 2, 6);
    quarterRound(x, 15, 3, 7, 11);
    // row round
    quarterRound(x, 0, 1, 2, 3);
    quarterRound(x, 5, 6, 7, 4);
    quarterRound(x, 10, 11, 8, 9);
    quarterRound(x, 15, 12, 13, 14);
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) {
    const w = (x[i]! + input[i]!) >>> 0;
    out[4 * i] = w;
    out[4 * i + 1] = w >>> 8;
    out[4 * i + 2] = w >>> 16;
    out[4 * i + 3] = w >>> 24;
  }
  return out;
}

/** XOR `data` in place with the Salsa20/20 keystream for a 32-byte key and 8-byte nonce. */
export function salsa20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): void {
  if (key.length !== 32) throw new RangeError(`salsa20 key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 8) throw new RangeError(`salsa20 nonce must be 8 bytes, got ${nonce.length}`);
  for (let pos = 0, counter = 0n; pos < data.length; pos += 64, counter++) {
    const ks = salsa20Block(key, nonce, counter);
    for (let i = 0; i < 64 && pos + i < data.length; i++) data[pos + i] = data[pos + i]! ^ ks[i]!;
  }
}
