/**
 * AES (FIPS-197), written for clarity: the oracle for the WASM T-table kernel.
 * Encryption only (CFB never needs the inverse cipher). The key length picks the
 * variant: 16 → AES-128 (10 rounds), 24 → AES-192 (12), 32 → AES-256 (14).
 * The S-box is derived here from its definition (inverse in GF(2^8), then the
 * affine map), not copied from a table.
 */

/** a·b in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0x11B), by shift-and-add. */
function gmul(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x11b;
    b >>= 1;
  }
  return r;
}

function rotl8(x: number, n: number): number {
  return ((x << n) | (x >> (8 - n))) & 0xff;
}

/** SubBytes table: S(a) = affine(a^-1), with 0^-1 taken as 0 (FIPS-197 §5.1.1). */
const SBOX: Uint8Array = (() => {
  const s = new Uint8Array(256);
  for (let a = 0; a < 256; a++) {
    let inv = 0;
    for (let b = 1; b < 256 && a !== 0; b++) {
      if (gmul(a, b) === 1) {
        inv = b;
        break;
      }
    }
    s[a] = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63;
  }
  return s;
})();

export class Aes {
  readonly blockSize = 16;
  readonly rounds: number;
  /** Round keys, 16 bytes each, in the byte order of the state (column-major). */
  private readonly roundKeys: Uint8Array[];

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
    }
    const nk = key.length / 4;
    this.rounds = nk + 6;
    // KeyExpansion (FIPS-197 §5.2) on 4-byte words.
    const w: number[][] = [];
    for (let i = 0; i < nk; i++) w.push([key[4 * i]!, key[4 * i + 1]!, key[4 * i + 2]!, key[4 * i + 3]!]);
    let rcon = 1;
    for (let i = nk; i < 4 * (this.rounds + 1); i++) {
      let t = w[i - 1]!.slice();
      if (i % nk === 0) {
        t = [t[1]!, t[2]!, t[3]!, t[0]!].map((b) => SBOX[b]!); // SubWord(RotWord(t))
        t[0] = t[0]! ^ rcon;
        rcon = gmul(rcon, 2);
      } else if (nk > 6 && i % nk === 4) {
        t = t.map((b) => SBOX[b]!);
      }
      w.push(w[i - nk]!.map((b, j) => b ^ t[j]!));
    }
    this.roundKeys = [];
    for (let r = 0; r <= this.rounds; r++) this.roundKeys.push(Uint8Array.from(w.slice(4 * r, 4 * r + 4).flat()));
  }

  /** Encrypt one 16-byte block in place. State byte s[r + 4c] = row r, column c. */
  encryptBlock(block: Uint8Array): void {
    const s = block;
    const addRoundKey = (r: number) => {
      for (let i = 0; i < 16; i++) s[i] = s[i]! ^ this.roundKeys[r]![i]!;
    };
    const subBytes = () => {
      for (let i = 0; i < 16; i++) s[i] = SBOX[s[i]!]!;
    };
    const shiftRows = () => {
      const t = s.slice(0, 16);
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) s[r + 4 * c] = t[r + 4 * ((c + r) % 4)]!;
    };
    const mixColumns = () => {
      for (let c = 0; c < 4; c++) {
        const [a0, a1, a2, a3] = [s[4 * c]!, s[4 * c + 1]!, s[4 * c + 2]!, s[4 * c + 3]!];
        s[4 * c] = gmul(a0, 2) ^ gmul(a1, 3) ^ a2 ^ a3;
        s[4 * c + 1] = a0 ^ gmul(a1, 2) ^ gmul(a2, 3) ^ a3;
        s[4 * c + 2] = a0 ^ a1 ^ gmul(a2, 2) ^ gmul(a3, 3);
        s[4 * c + 3] = gmul(a0, 3) ^ a1 ^ a2 ^ gmul(a3, 2);
      }
    };
    addRoundKey(0);
    for (let r = 1; r < this.rounds; r++) {
      subBytes();
      shiftRows();
      mixColumns();
      addRoundKey(r);
    }
    subBytes();
    shiftRows();
    addRoundKey(this.rounds);
  }
}
