/**
 * The crypt layer of a datagram, by the cipher's layout (docs/protocol.md §1.3, §1.8–§1.10):
 *
 *   prefix  seal: nonce + CRC into the 20-byte prefix → encrypt;  open: length → decrypt → CRC
 *   aead    seal: 12-byte nonce → encrypt and append the tag;     open: length → decrypt and check the tag
 *   bare    nothing but the length check
 *
 * Failures are dropped and counted. After `open`, an accepted datagram's payload is
 * `payload(view)`: the bytes between the layout's header and trailer.
 */
import * as zlib from 'node:zlib';
import type { DatagramBatch, Kernels } from '@kcptunb/wasm';
import { Snmp, S } from '@kcptunb/snmp';
import type { DatagramCipher } from './datagramCipher.js';
import { NonceSource } from './nonceSource.js';
import { CRYPT_HEADER_SIZE, NONCE_SIZE, readPrefixCrc, writePrefixCrc } from './prefix.js';
import { AEAD_NONCE_SIZE, cryptOverhead, type PacketLayout } from './packetLayout.js';
/** Receive buffers are this big; anything longer was truncated by the socket (docs/protocol.md §1.8). */
export const MAX_DATAGRAM = 1500;

/**
 * zlib.crc32 (Node ≥ 20.15, hardware-assisted) ran 342 ns per 1330-byte datagram
 * against 613 ns for the WASM slice-by-8 kernel (bench/README.md), so it is used
 * where it exists; the kernel is the fallback and the differential oracle. Where the
 * cipher brings a batch CRC (the AES-NI addon: the same zlib code, one call per batch)
 * that is used first: 2.29–2.36 against 2.45–2.48 µs CPU per 1350-byte datagram sealed
 * and opened with AES-NI (push included).
 */
const zlibCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** native: the cipher's own batch CRC (`DatagramCipher.prefixCrc`, one call per batch). */
export type CrcEngine = 'zlib' | 'wasm' | 'native';

export interface PacketCryptOptions {
  /** Which CRC-32 implementation to use (default: zlib when available). */
  crc?: CrcEngine;
  /** Shorter datagrams are dropped as InErrs before decryption (kcptunB: 20 + 8·fec + 24); the layout's overhead by default. */
  minLength?: number;
  snmp?: Snmp;
}

export class PacketCrypt {
  readonly snmp: Snmp;
  readonly minLength: number;
  private readonly nonces: NonceSource;
  private readonly flags: number;
  private readonly flagCapacity: number;
  readonly crcEngine: CrcEngine;
  readonly layout: PacketLayout;

  constructor(private readonly kernels: Kernels, readonly cipher: DatagramCipher, options: PacketCryptOptions = {}, maxBatch = 1024) {
    this.snmp = options.snmp ?? new Snmp();
    this.layout = cipher.layout;
    this.minLength = options.minLength ?? cryptOverhead(this.layout);
    this.nonces = new NonceSource(kernels, Math.max(4096, maxBatch));
    this.flagCapacity = maxBatch;
    this.flags = kernels.alloc(maxBatch, 16);
    const native = this.layout.kind === 'prefix' ? cipher.prefixCrc : undefined;
    this.crcEngine = options.crc ?? (native ? 'native' : zlibCrc32 ? 'zlib' : 'wasm');
    if (this.crcEngine === 'zlib' && !zlibCrc32) throw new Error('zlib.crc32 needs Node ≥ 20.15');
    if (this.crcEngine === 'native' && !native) throw new Error(`the ${cipher.engine} engine of ${cipher.name} has no batch CRC`);
  }

  /** The payload of a datagram `open` accepted (open already dropped an aead tag from its length). */
  payload(datagram: Uint8Array): Uint8Array {
    return datagram.subarray(this.layout.header);
  }

  /**
   * Fill every datagram's crypt header and encrypt the batch in place. Datagrams hold
   * `header` bytes of room and then the payload; aead datagrams grow by the tag.
   */
  seal(batch: DatagramBatch): void {
    if (batch.count === 0 || this.layout.kind === 'bare') return;
    const nonces = this.nonces.take(batch.count);
    if (this.layout.kind === 'aead') {
      const mem = this.kernels.bytes();
      for (let i = 0; i < batch.count; i++) {
        const at = batch.offset(i);
        mem.copyWithin(at, nonces + i * NONCE_SIZE, nonces + i * NONCE_SIZE + AEAD_NONCE_SIZE);
      }
      this.cipher.encrypt(batch);
      return;
    }
    if (this.crcEngine === 'wasm') {
      this.kernels.exports.prefix_seal_batch(batch.base, batch.stride, batch.lens, batch.count, nonces);
    } else if (this.crcEngine === 'native') {
      const mem = this.kernels.bytes();
      const words = this.kernels.u32();
      const lensAt = batch.lens >>> 2;
      for (let i = 0; i < batch.count; i++) {
        if (words[lensAt + i]! < CRYPT_HEADER_SIZE) continue;
        const at = batch.base + i * batch.stride;
        mem.copyWithin(at, nonces + i * NONCE_SIZE, nonces + (i + 1) * NONCE_SIZE);
      }
      this.cipher.prefixCrc!.seal(batch);
    } else {
      const mem = this.kernels.bytes();
      const words = this.kernels.u32();
      const lensAt = batch.lens >>> 2;
      for (let i = 0; i < batch.count; i++) {
        const len = words[lensAt + i]!;
        if (len < CRYPT_HEADER_SIZE) continue;
        const at = batch.base + i * batch.stride;
        mem.copyWithin(at, nonces + i * NONCE_SIZE, nonces + (i + 1) * NONCE_SIZE);
        writePrefixCrc(mem, at, zlibCrc32!(mem.subarray(at + CRYPT_HEADER_SIZE, at + len)));
      }
    }
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
    let passed = 0;
    if (this.layout.kind !== 'prefix') {
      // aead: decrypt zeroed the length of every datagram whose tag failed; bare: nothing to check
      const mem = this.kernels.bytes();
      const lens = this.kernels.u32();
      for (let i = 0; i < count; i++) {
        const good = lens[lensAt + i]! > 0 ? 1 : 0;
        mem[this.flags + i] = good;
        passed += good;
      }
    } else if (this.crcEngine === 'wasm') {
      passed = this.kernels.exports.prefix_check_batch(batch.base, batch.stride, batch.lens, count, this.flags);
    } else if (this.crcEngine === 'native') {
      passed = this.cipher.prefixCrc!.check(batch, this.kernels.bytes(), this.flags);
    } else {
      // fresh views: decrypt may have grown the memory (cipher scratch), detaching `words`
      const mem = this.kernels.bytes();
      const lens = this.kernels.u32();
      for (let i = 0; i < count; i++) {
        const len = lens[lensAt + i]!;
        const at = batch.base + i * batch.stride;
        let good = 0;
        if (len >= CRYPT_HEADER_SIZE) {
          good = readPrefixCrc(mem, at) === zlibCrc32!(mem.subarray(at + CRYPT_HEADER_SIZE, at + len)) ? 1 : 0;
        }
        mem[this.flags + i] = good;
        passed += good;
      }
    }
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
