/**
 * The 20-byte datagram prefix (spec §1.3, §1.8): a 16-byte random nonce and
 * the CRC-32/IEEE of bytes 20.., then the whole datagram encrypted.
 *
 *   seal: nonce + CRC into the prefix → encrypt
 *   open: length check → decrypt → CRC check; failures are dropped and counted
 */
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import { Snmp, S } from '@kcptunb/snmp';
import type { DatagramCipher } from './datagramCipher.js';
import { NonceSource } from './nonceSource.js';

/** Bytes of nonce + CRC in front of every datagram. */
export const CRYPT_HEADER_SIZE = 20;
/** Receive buffers are this big; anything longer was truncated by the socket (spec §1.8). */
export const MAX_DATAGRAM = 1500;

export interface PacketCryptOptions {
  /** Shorter datagrams are dropped as InErrs before decryption (kcptunB: 20 + 8·fec + 24). */
  minLength?: number;
  snmp?: Snmp;
}

export class PacketCrypt {
  readonly snmp: Snmp;
  readonly minLength: number;
  private readonly nonces: NonceSource;
  private readonly flags: number;
  private readonly flagCapacity: number;

  constructor(private readonly kernels: Kernels, readonly cipher: DatagramCipher, options: PacketCryptOptions = {}, maxBatch = 1024) {
    this.snmp = options.snmp ?? new Snmp();
    this.minLength = options.minLength ?? CRYPT_HEADER_SIZE;
    this.nonces = new NonceSource(kernels, Math.max(4096, maxBatch));
    this.flagCapacity = maxBatch;
    this.flags = kernels.alloc(maxBatch, 16);
  }

  /** Fill every datagram's prefix and encrypt the batch in place. Datagrams must be ≥ 20 bytes. */
  seal(batch: DatagramBatch): void {
    if (batch.count === 0) return;
    const nonces = this.nonces.take(batch.count);
    this.kernels.exports.prefix_seal_batch(batch.base, batch.stride, batch.lens, batch.count, nonces);
    this.cipher.encrypt(batch);
  }

  /**
   * Decrypt and verify the batch in place. Returns a view of per-datagram flags
   * (1 = accepted) valid until the next call or memory growth. Never throws on content.
   */
  open(batch: DatagramBatch): Uint8Array {
    const count = batch.count;
    if (count > this.flagCapacity) throw new RangeError(`batch of ${count} exceeds PacketCrypt capacity ${this.flagCapacity}`);
    const words = this.kernels.u32();
    const lensAt = batch.lens >>> 2;
    let short = 0;
    for (let i = 0; i < count; i++) {
      const len = words[lensAt + i]!;
      if (len < this.minLength || len > MAX_DATAGRAM) {
        words[lensAt + i] = 0; // decrypt nothing, fail the CRC check
        short++;
      }
    }
    this.cipher.decrypt(batch);
    const passed = this.kernels.exports.prefix_check_batch(batch.base, batch.stride, batch.lens, count, this.flags);
    const values = this.snmp.values;
    values[S.InErrs]! += short;
    values[S.InCsumErrors]! += count - short - passed;
    return this.kernels.bytes().subarray(this.flags, this.flags + count);
  }

  dispose(): void {
    this.nonces.dispose();
    this.kernels.free(this.flags);
    this.cipher.dispose();
  }
}
