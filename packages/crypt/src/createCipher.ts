/** `--crypt NAME` → a DatagramCipher keyed from the 32-byte `pass` (docs/protocol.md §1.2). */
import { CipherKind, type Kernels } from '@kcptunb/wasm';
import { KEY_BYTES, type CipherName } from './cipherNames.js';
import type { DatagramCipher } from './datagramCipher.js';
import { UnknownCipherError } from './errors.js';
import { NativeAesCipher, type NativeAesEngine, type NativeAesName } from './nativeAesCipher.js';
import { NODE_ALGORITHMS, NodeCfbCipher, type NodeCipherName } from './nodeCfbCipher.js';
import { verifyCryptSettings } from './settings.js';
import { NoneCipher, NullCipher, Salsa20Cipher, XorCipher } from './streamCiphers.js';
import { AesGcmCipher } from './aesGcmCipher.js';
import { WasmCfbCipher } from './wasmCfbCipher.js';

/** Which implementation runs a cipher that has more than one ('native': `nativeAes`, AES only). */
export type CipherEngine = 'auto' | 'wasm' | 'node' | 'native';

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
 * no faster than the WASM kernels, so they stay in WASM. An injected native AES engine
 * (`options.nativeAes`) beats both for AES and is used by `auto` whenever it is given.
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
  /** A native AES-CFB engine (the data plane passes `nativeAes()` of @kcptunb/aesni). */
  nativeAes?: NativeAesEngine;
}

const NATIVE_AES_NAMES: ReadonlySet<CipherName> = new Set<CipherName>(['aes', 'aes-128', 'aes-192']);

/** Build the cipher for `name`; throws UnknownCipherError / InvalidKeyError. */
export function createDatagramCipher(kernels: Kernels, name: string, pass: Uint8Array, options: CreateCipherOptions = {}): DatagramCipher {
  const { method } = verifyCryptSettings({ method: name, key: pass });
  const key = pass.subarray(0, KEY_BYTES[method]);
  switch (method) {
    case 'none':
      return new NoneCipher();
    case 'null':
      return new NullCipher();
    case 'aes-128-gcm':
      return new AesGcmCipher(kernels, key);
    case 'xor':
      return new XorCipher(kernels, pass);
    case 'salsa20':
      return new Salsa20Cipher(kernels, key);
    default: {
      const engine = options.engine ?? 'auto';
      if (engine === 'native' || (engine === 'auto' && options.nativeAes && NATIVE_AES_NAMES.has(method))) {
        if (!options.nativeAes || !NATIVE_AES_NAMES.has(method)) throw new UnknownCipherError(`${method} (engine native)`, options.nativeAes ? [...NATIVE_AES_NAMES] : []);
        return new NativeAesCipher(options.nativeAes, method as NativeAesName, key);
      }
      if (method in NODE_ALGORITHMS) {
        const nodeName = method as NodeCipherName;
        const useNode = engine === 'node' || (engine === 'auto' && AUTO_ENGINE[nodeName] === 'node');
        if (useNode) return new NodeCfbCipher(kernels, nodeName, key);
      } else if (engine === 'node') {
        throw new UnknownCipherError(`${method} (engine node)`, Object.keys(NODE_ALGORITHMS));
      }
      return new WasmCfbCipher(kernels, method, WASM_KINDS[method]!, key);
    }
  }
}
