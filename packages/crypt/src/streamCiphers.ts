/** The non-CFB constructions: salsa20 (docs/protocol.md §1.5), xor (§1.6), none (§1.7) and null (§1.10). */
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import type { CipherName } from './cipherNames.js';
import type { DatagramCipher } from './datagramCipher.js';
import { deriveXorTable, XOR_TABLE_LENGTH } from './keyDerivation.js';
import { BARE_LAYOUT, PREFIX_LAYOUT } from './packetLayout.js';

/**
 * A keystream-style cipher in WASM: decrypting is encrypting again, and its key material
 * lives in one region of the kernels' heap, wiped and freed on dispose.
 */
abstract class WasmSymmetricCipher implements DatagramCipher {
  abstract readonly name: CipherName;
  readonly engine: string;
  readonly layout = PREFIX_LAYOUT;
  /** Heap offset of the key material. */
  protected readonly keyAt: number;
  private readonly keyLength: number;

  constructor(protected readonly kernels: Kernels, keyMaterial: Uint8Array) {
    this.engine = `wasm-${kernels.variant}`;
    this.keyAt = kernels.allocBytes(keyMaterial);
    this.keyLength = keyMaterial.length;
  }

  abstract encrypt(batch: DatagramBatch): void;

  decrypt(batch: DatagramBatch): void {
    this.encrypt(batch);
  }

  dispose(): void {
    this.kernels.bytes().fill(0, this.keyAt, this.keyAt + this.keyLength);
    this.kernels.free(this.keyAt);
  }
}

/** Salsa20/20 keyed with pass[0:32]; bytes 0–7 of each datagram are its nonce, sent in clear. */
export class Salsa20Cipher extends WasmSymmetricCipher {
  readonly name = 'salsa20';

  constructor(kernels: Kernels, key: Uint8Array) {
    super(kernels, key.subarray(0, 32));
  }

  encrypt(batch: DatagramBatch): void {
    this.kernels.exports.salsa20_xor_batch(this.keyAt, batch.base, batch.stride, batch.lens, batch.count);
  }
}

/** XOR with a fixed 1500-byte table derived from pass: obfuscation only. */
export class XorCipher extends WasmSymmetricCipher {
  readonly name = 'xor';

  constructor(kernels: Kernels, pass: Uint8Array) {
    super(kernels, deriveXorTable(pass));
  }

  encrypt(batch: DatagramBatch): void {
    this.kernels.exports.xor_table_batch(this.keyAt, XOR_TABLE_LENGTH, batch.base, batch.stride, batch.lens, batch.count);
  }
}

/** No transformation; the nonce and CRC prefix are still sent (docs/protocol.md §1.7). */
export class NoneCipher implements DatagramCipher {
  readonly name = 'none';
  readonly engine = 'none';
  readonly layout = PREFIX_LAYOUT;
  encrypt(): void {}
  decrypt(): void {}
  dispose(): void {}
}

/** No crypt bytes at all: the datagram is the payload (docs/protocol.md §1.10). */
export class NullCipher implements DatagramCipher {
  readonly name = 'null';
  readonly engine = 'none';
  readonly layout = BARE_LAYOUT;
  encrypt(): void {}
  decrypt(): void {}
  dispose(): void {}
}
