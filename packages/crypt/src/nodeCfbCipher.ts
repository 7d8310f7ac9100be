/**
 * CFB with the fixed IV on node:crypto (OpenSSL, AES-NI where present).
 *
 * Decryption is parallel across blocks (P_i = C_i ^ E(C_{i-1})), so a whole
 * batch is decrypted with ONE ECB call over the feedback blocks that the WASM
 * kernel gathers. Encryption is sequential inside a datagram but independent
 * across datagrams: large batches go column by column (one ECB call per block
 * index across all datagrams); small ones use one CFB context per datagram,
 * whose ~3 µs set-up cost is cheaper than ~85 ECB calls.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import { CFB_IV } from './cipherNames.js';
import type { DatagramCipher } from './datagramCipher.js';
import { PREFIX_LAYOUT } from './packetLayout.js';

/** OpenSSL names for the ciphers node:crypto can run without the legacy provider. */
export const NODE_ALGORITHMS = {
  aes: { cfb: 'aes-256-cfb', ecb: 'aes-256-ecb', block: 16 },
  'aes-128': { cfb: 'aes-128-cfb', ecb: 'aes-128-ecb', block: 16 },
  'aes-192': { cfb: 'aes-192-cfb', ecb: 'aes-192-ecb', block: 16 },
  '3des': { cfb: 'des-ede3-cfb', ecb: 'des-ede3-ecb', block: 8 },
  sm4: { cfb: 'sm4-cfb', ecb: 'sm4-ecb', block: 16 },
} as const;

export type NodeCipherName = keyof typeof NODE_ALGORITHMS;

/** Batches at least this large are encrypted column-wise (see bench/README.md). */
export const COLUMN_ENCRYPT_MIN_BATCH = 16;

export class NodeCfbCipher implements DatagramCipher {
  readonly layout = PREFIX_LAYOUT;
  readonly engine = 'node:crypto';
  private readonly algorithm: (typeof NODE_ALGORITHMS)[NodeCipherName];
  private readonly ecb: Cipher;
  private readonly iv: Buffer;
  private readonly ivPtr: number;
  private scratch = 0;
  private scratchSize = 0;

  constructor(private readonly kernels: Kernels, readonly name: NodeCipherName, private readonly key: Uint8Array) {
    this.algorithm = NODE_ALGORITHMS[name];
    this.iv = Buffer.from(CFB_IV.subarray(0, this.algorithm.block));
    this.ecb = createCipheriv(this.algorithm.ecb, key, null);
    this.ecb.setAutoPadding(false);
    this.ivPtr = kernels.allocBytes(this.iv);
  }

  /** Kernel scratch of at least `size` bytes, reused across calls. */
  private scratchOf(size: number): number {
    if (size > this.scratchSize) {
      if (this.scratch) this.kernels.free(this.scratch);
      this.scratchSize = Math.max(size, this.scratchSize * 2, 4096);
      this.scratch = this.kernels.alloc(this.scratchSize, 16);
    }
    return this.scratch;
  }

  decrypt(batch: DatagramBatch): void {
    if (batch.count === 0) return;
    const k = this.kernels;
    const exp = k.exports;
    const block = this.algorithm.block;
    const bytes = exp.cfb_block_count(batch.lens, batch.count, block) * block;
    const feedback = this.scratchOf(bytes);
    exp.cfb_shifted_blocks(batch.base, batch.stride, batch.lens, batch.count, this.ivPtr, block, feedback);
    const keystream = this.ecb.update(k.bytes().subarray(feedback, feedback + bytes));
    k.bytes().set(keystream, feedback);
    exp.xor_blocks_batch(batch.base, batch.stride, batch.lens, batch.count, feedback, block);
  }

  encrypt(batch: DatagramBatch): void {
    if (batch.count >= COLUMN_ENCRYPT_MIN_BATCH) this.encryptByColumns(batch);
    else this.encryptEach(batch);
  }

  /** One CFB context per datagram. */
  encryptEach(batch: DatagramBatch): void {
    for (let i = 0; i < batch.count; i++) {
      const view = batch.view(i);
      const cipher = createCipheriv(this.algorithm.cfb, this.key, this.iv);
      view.set(cipher.update(view));
    }
  }

  /** Block column by block column across the batch: one ECB call per column. */
  encryptByColumns(batch: DatagramBatch): void {
    if (batch.count === 0) return;
    const k = this.kernels;
    const exp = k.exports;
    const block = this.algorithm.block;
    const width = batch.count * block;
    const registers = this.scratchOf(width * 2);
    const keystream = registers + width;
    const mem = k.bytes();
    for (let i = 0; i < batch.count; i++) mem.set(this.iv, registers + i * block);
    for (let column = 0; ; column++) {
      const ks = this.ecb.update(k.bytes().subarray(registers, registers + width));
      k.bytes().set(ks, keystream);
      const remaining = exp.cfb_encrypt_column(batch.base, batch.stride, batch.lens, batch.count, keystream, registers, block, column);
      if (remaining === 0) break;
    }
  }

  dispose(): void {
    if (this.scratch) this.kernels.free(this.scratch);
    this.kernels.free(this.ivPtr);
    this.scratch = 0;
  }
}
