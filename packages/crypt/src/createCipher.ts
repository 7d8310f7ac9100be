/** `--crypt NAME` → a DatagramCipher keyed from the 32-byte `pass` (spec §1.2). */
import { CipherKind, type Kernels } from '@kcptunb/wasm';
import { CIPHER_NAMES, isCipherName, KEY_BYTES, type CipherName } from './cipherNames.js';
import type { DatagramCipher } from './datagramCipher.js';
import { InvalidKeyError, UnknownCipherError } from './errors.js';
import { NODE_ALGORITHMS, NodeCfbCipher, type NodeCipherName } from './nodeCfbCipher.js';
import { NoneCipher, Salsa20Cipher, XorCipher } from './streamCiphers.js';
import { WasmCfbCipher } from './wasmCfbCipher.js';

/** Which implementation runs a cipher that has more than one. */
export type CipherEngine = 'auto' | 'wasm' | 'node';

const WASM_KINDS: Readonly<Partial<Record<CipherName, CipherKind>>> = {
  aes: CipherKind.AES,
  'aes-128': CipherKind.AES,
  'aes-192': CipherKind.AES,
  blowfish: CipherKind.BLOWFISH,
  cast5: CipherKind.CAST5,
  twofish: CipherKind.TWOFISH,
  tea: CipherKind.TEA,
  xtea: CipherKind.XTEA,
  '3des': CipherKind.TRIPLE_DES,
  sm4: CipherKind.SM4,
};

/**
 * The engine `auto` picks, decided per cipher by `npm run bench:kernels`
 * (figures in bench/README.md): OpenSSL's AES-NI wins by far for AES (batched
 * decryption ~10×, column-wise encryption ~1.7×); for 3DES and SM4 OpenSSL is
 * no faster than the WASM kernels, so they stay in WASM.
 */
export const AUTO_ENGINE: Readonly<Record<NodeCipherName, 'wasm' | 'node'>> = {
  aes: 'node',
  'aes-128': 'node',
  'aes-192': 'node',
  '3des': 'wasm',
  sm4: 'wasm',
};

export interface CreateCipherOptions {
  engine?: CipherEngine;
}

/** Build the cipher for `name`; throws UnknownCipherError / InvalidKeyError. */
export function createDatagramCipher(kernels: Kernels, name: string, pass: Uint8Array, options: CreateCipherOptions = {}): DatagramCipher {
  if (!isCipherName(name)) throw new UnknownCipherError(name, CIPHER_NAMES);
  const need = KEY_BYTES[name];
  if (pass.length < need) throw new InvalidKeyError(name, need, pass.length);
  const key = pass.subarray(0, need);
  switch (name) {
    case 'none':
      return new NoneCipher();
    case 'xor':
      return new XorCipher(kernels, pass);
    case 'salsa20':
      return new Salsa20Cipher(kernels, key);
    default: {
      const engine = options.engine ?? 'auto';
      if (name in NODE_ALGORITHMS) {
        const nodeName = name as NodeCipherName;
        const useNode = engine === 'node' || (engine === 'auto' && AUTO_ENGINE[nodeName] === 'node');
        if (useNode) return new NodeCfbCipher(kernels, nodeName, key);
      } else if (engine === 'node') {
        throw new UnknownCipherError(`${name} (engine node)`, Object.keys(NODE_ALGORITHMS));
      }
      return new WasmCfbCipher(kernels, name, WASM_KINDS[name]!, key);
    }
  }
}
