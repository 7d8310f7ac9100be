/**
 * Full-block CFB (docs/protocol.md §1.4), written for clarity: the oracle for the batched WASM
 * kernels. The feedback segment is the cipher's whole block (CFB-128 for 16-byte
 * ciphers, CFB-64 for 8-byte ones); a trailing partial block is XORed with the
 * leading bytes of the current keystream block. Only the forward cipher is used.
 * kcptun runs every datagram as a fresh CFB stream from the fixed IV `KCP_CFB_IV`.
 */

/** What the CFB wrapper needs from a block cipher: the forward permutation. */
export interface BlockCipher {
  /** Block size in bytes (8 or 16). */
  readonly blockSize: number;
  /** Encrypt exactly one block, in place. */
  encryptBlock(block: Uint8Array): void;
}

/** kcp-go's fixed CFB IV; 8-byte-block ciphers use its first 8 bytes. */
export const KCP_CFB_IV: Uint8Array = Uint8Array.from([
  0xa7, 0x73, 0x4f, 0x9c, 0x12, 0xac, 0x1b, 0x01, 0xa4, 0x15, 0xf2, 0xc1, 0xfc, 0x78, 0xe6, 0x6b,
]);

function firstRegister(cipher: BlockCipher, iv: Uint8Array): Uint8Array {
  if (iv.length < cipher.blockSize) {
    throw new RangeError(`CFB IV has ${iv.length} bytes, the cipher needs ${cipher.blockSize}`);
  }
  return iv.slice(0, cipher.blockSize);
}

/**
 * Encrypt `data` in place: C_i = P_i XOR E(C_{i-1}), with C_{-1} = the first
 * `blockSize` bytes of `iv`. Returns `data`.
 */
export function cfbEncrypt(cipher: BlockCipher, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const register = firstRegister(cipher, iv);
  for (let pos = 0; pos < data.length; pos += cipher.blockSize) {
    cipher.encryptBlock(register); // register now holds the keystream block
    const n = Math.min(cipher.blockSize, data.length - pos);
    for (let i = 0; i < n; i++) {
      data[pos + i] = data[pos + i]! ^ register[i]!;
      register[i] = data[pos + i]!; // the ciphertext feeds back
    }
  }
  return data;
}

/**
 * Decrypt `data` in place: P_i = C_i XOR E(C_{i-1}), with C_{-1} = the first
 * `blockSize` bytes of `iv`. Returns `data`.
 */
export function cfbDecrypt(cipher: BlockCipher, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const register = firstRegister(cipher, iv);
  for (let pos = 0; pos < data.length; pos += cipher.blockSize) {
    cipher.encryptBlock(register);
    const n = Math.min(cipher.blockSize, data.length - pos);
    for (let i = 0; i < n; i++) {
      const c = data[pos + i]!;
      data[pos + i] = c ^ register[i]!;
      register[i] = c;
    }
  }
  return data;
}
