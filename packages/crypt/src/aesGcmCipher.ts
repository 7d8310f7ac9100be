/**
 * `--crypt aes-128-gcm` (docs/protocol.md §1.9): AES-128-GCM keyed with pass[0:16];
 * each datagram is `nonce 12 | ciphertext | tag 16`, no associated data, no CRC.
 * PacketCrypt writes the nonce; this class encrypts after it and appends the tag
 * (the datagram grows by 16), or checks and strips the tag (the datagram shrinks
 * by 16; a forged or corrupt one gets length 0, which PacketCrypt counts).
 * node:crypto runs GCM (AES-NI and PCLMUL where present): one context per datagram.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import type { DatagramCipher } from './datagramCipher.js';
import { AEAD_LAYOUT, AEAD_NONCE_SIZE, AEAD_TAG_SIZE } from './packetLayout.js';

export class AesGcmCipher implements DatagramCipher {
  readonly name = 'aes-128-gcm';
  readonly engine = 'node:crypto';
  readonly layout = AEAD_LAYOUT;
  private readonly key: Buffer;

  constructor(private readonly kernels: Kernels, key: Uint8Array) {
    if (key.length !== 16) throw new RangeError(`aes-128-gcm needs a 16-byte key, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  encrypt(batch: DatagramBatch): void {
    for (let i = 0; i < batch.count; i++) {
      const len = batch.length(i);
      if (len < AEAD_NONCE_SIZE) continue;
      const at = batch.offset(i);
      const mem = this.kernels.bytes();
      const nonce = mem.subarray(at, at + AEAD_NONCE_SIZE);
      const gcm = createCipheriv('aes-128-gcm', this.key, nonce);
      const sealed = gcm.update(mem.subarray(at + AEAD_NONCE_SIZE, at + len));
      gcm.final();
      mem.set(sealed, at + AEAD_NONCE_SIZE);
      mem.set(gcm.getAuthTag(), at + len);
      batch.setLength(i, len + AEAD_TAG_SIZE);
    }
  }

  decrypt(batch: DatagramBatch): void {
    for (let i = 0; i < batch.count; i++) {
      const len = batch.length(i);
      if (len < AEAD_NONCE_SIZE + AEAD_TAG_SIZE) {
        batch.setLength(i, 0);
        continue;
      }
      const at = batch.offset(i);
      const mem = this.kernels.bytes();
      const end = at + len - AEAD_TAG_SIZE;
      try {
        const gcm = createDecipheriv('aes-128-gcm', this.key, mem.subarray(at, at + AEAD_NONCE_SIZE));
        gcm.setAuthTag(mem.subarray(end, end + AEAD_TAG_SIZE));
        const plain = gcm.update(mem.subarray(at + AEAD_NONCE_SIZE, end));
        gcm.final(); // throws when the tag does not match
        mem.set(plain, at + AEAD_NONCE_SIZE);
        batch.setLength(i, len - AEAD_TAG_SIZE);
      } catch {
        batch.setLength(i, 0);
      }
    }
  }

  dispose(): void {
    this.key.fill(0);
  }
}
