/**
 * AES in CFB with the fixed IV (docs/protocol.md §1.4) on an injected native engine: one call
 * encrypts or decrypts a whole batch in place. crypt is a pure core and loads no native code;
 * the data plane passes the engine in (`@kcptunb/aesni`), and without one AES runs on node:crypto.
 */
import type { DatagramBatch } from '@kcptunb/wasm';
import { CFB_IV } from './cipherNames.js';
import { PREFIX_LAYOUT } from './packetLayout.js';
import type { DatagramCipher, PrefixCrcBatch } from './datagramCipher.js';

/** A batch AES-CFB-128 engine: slot i at mem[base + i·stride], its length at lens[lensIndex + i]. */
export interface NativeAesEngine {
  /** For logs and benches ("aes-ni"). */
  readonly name: string;
  /** The expanded key (16, 24 or 32 bytes in), kept by the caller for the batch calls. */
  expandKey(key: Uint8Array): Uint8Array;
  cfbEncryptBatch(schedule: Uint8Array, rounds: number, iv: Uint8Array, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  cfbDecryptBatch(schedule: Uint8Array, rounds: number, iv: Uint8Array, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  /** The prefix CRC of every slot in one call (docs/protocol.md §1.3); optional: PacketCrypt then runs zlib.crc32 per datagram. */
  crcSealBatch?(mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  /** flags[flagsIndex + i] = 1 when slot i's prefix CRC matches (§1.8); returns how many did. */
  crcCheckBatch?(mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number, flags: Uint8Array, flagsIndex: number): number;
}

export type NativeAesName = 'aes' | 'aes-128' | 'aes-192';

export class NativeAesCipher implements DatagramCipher {
  readonly engine: string;
  readonly layout = PREFIX_LAYOUT;
  private readonly schedule: Uint8Array;
  /** 10, 12 or 14 for 16-, 24- and 32-byte keys (FIPS-197: Nr = Nk + 6). */
  private readonly rounds: number;
  private readonly iv = CFB_IV.slice();
  readonly prefixCrc: PrefixCrcBatch | undefined;

  constructor(private readonly native: NativeAesEngine, readonly name: NativeAesName, key: Uint8Array) {
    this.engine = native.name;
    this.schedule = native.expandKey(key);
    this.rounds = key.length / 4 + 6;
    const { crcSealBatch: seal, crcCheckBatch: check } = native;
    this.prefixCrc =
      seal && check
        ? {
            seal: (b) => seal(b.memoryBytes(), b.base, b.stride, b.memoryWords(), b.lens >>> 2, b.count),
            check: (b, flags, flagsIndex) => check(b.memoryBytes(), b.base, b.stride, b.memoryWords(), b.lens >>> 2, b.count, flags, flagsIndex),
          }
        : undefined;
  }

  // memoryBytes()/memoryWords() are fetched per call: memory growth detaches older views.
  encrypt(batch: DatagramBatch): void {
    if (batch.count === 0) return;
    this.native.cfbEncryptBatch(this.schedule, this.rounds, this.iv, batch.memoryBytes(), batch.base, batch.stride, batch.memoryWords(), batch.lens >>> 2, batch.count);
  }

  decrypt(batch: DatagramBatch): void {
    if (batch.count === 0) return;
    this.native.cfbDecryptBatch(this.schedule, this.rounds, this.iv, batch.memoryBytes(), batch.base, batch.stride, batch.memoryWords(), batch.lens >>> 2, batch.count);
  }

  dispose(): void {}
}
