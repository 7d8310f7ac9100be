/** CFB with the fixed IV over a block cipher implemented in the WASM kernels. */
import { CipherKind, type DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { CFB_IV, type CipherName } from './cipherNames.js';
import type { DatagramCipher } from './datagramCipher.js';
import { PREFIX_LAYOUT } from './packetLayout.js';
import { InvalidKeyError } from './errors.js';

export class WasmCfbCipher implements DatagramCipher {
  readonly layout = PREFIX_LAYOUT;
  readonly engine: string;
  private readonly ctx: number;
  private readonly iv: number;

  constructor(private readonly kernels: Kernels, readonly name: CipherName, private readonly kind: CipherKind, key: Uint8Array) {
    this.engine = `wasm-${kernels.variant}`;
    const exp = kernels.exports;
    const size = exp.cipher_ctx_size(kind);
    if (size === 0) throw new Error(`kernel lacks cipher kind ${kind}`);
    this.ctx = kernels.alloc(size, 16);
    this.iv = kernels.allocBytes(CFB_IV);
    const keyPtr = kernels.allocBytes(key);
    const rc = exp.cipher_init(kind, this.ctx, keyPtr, key.length);
    kernels.bytes().fill(0, keyPtr, keyPtr + key.length);
    kernels.free(keyPtr);
    if (rc !== 0) {
      this.dispose();
      throw new InvalidKeyError(name, 0, key.length);
    }
  }

  encrypt(batch: DatagramBatch): void {
    this.kernels.exports.cfb_encrypt_batch(this.kind, this.ctx, this.iv, batch.base, batch.stride, batch.lens, batch.count);
  }

  decrypt(batch: DatagramBatch): void {
    this.kernels.exports.cfb_decrypt_batch(this.kind, this.ctx, this.iv, batch.base, batch.stride, batch.lens, batch.count);
  }

  dispose(): void {
    const k = this.kernels;
    k.bytes().fill(0, this.ctx, this.ctx + k.exports.cipher_ctx_size(this.kind));
    k.free(this.ctx);
    k.free(this.iv);
  }
}
