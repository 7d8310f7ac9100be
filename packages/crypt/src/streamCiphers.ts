/** The non-CFB constructions: salsa20 (docs/protocol.md §1.5), xor (§1.6), none (§1.7) and null (§1.10). */
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import type { DatagramCipher } from './datagramCipher.js';
import { deriveXorTable, XOR_TABLE_LENGTH } from './keyDerivation.js';
import { BARE_LAYOUT, PREFIX_LAYOUT } from './packetLayout.js';

/** Salsa20/20 keyed with pass[0:32]; bytes 0–7 of each datagram are its nonce, sent in clear. */
export class Salsa20Cipher implements DatagramCipher {
  readonly name = 'salsa20';
  readonly engine: string;
  readonly layout = PREFIX_LAYOUT;
  private readonly key: number;

  constructor(private readonly kernels: Kernels, key: Uint8Array) {
    this.engine = `wasm-${kernels.variant}`;
    this.key = kernels.allocBytes(key.subarray(0, 32));
  }

  encrypt(batch: DatagramBatch): void {
    this.kernels.exports.salsa20_xor_batch(this.key, batch.base, batch.stride, batch.lens, batch.count);
  }

  decrypt(batch: DatagramBatch): void {
    this.encrypt(batch);
  }

  dispose(): void {
    this.kernels.bytes().fill(0, this.key, this.key + 32);
    this.kernels.free(this.key);
  }
}

/** XOR with a fixed 1500-byte table derived from pass: obfuscation only. */
export class XorCipher implements DatagramCipher {
  readonly name = 'xor';
  readonly engine: string;
  readonly layout = PREFIX_LAYOUT;
  private readonly table: number;

  constructor(private readonly kernels: Kernels, pass: Uint8Array) {
    this.engine = `wasm-${kernels.variant}`;
    this.table = kernels.allocBytes(deriveXorTable(pass));
  }

  encrypt(batch: DatagramBatch): void {
    this.kernels.exports.xor_table_batch(this.table, XOR_TABLE_LENGTH, batch.base, batch.stride, batch.lens, batch.count);
  }

  decrypt(batch: DatagramBatch): void {
    this.encrypt(batch);
  }

  dispose(): void {
    this.kernels.free(this.table);
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
