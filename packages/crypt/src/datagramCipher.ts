/** What every `--crypt` implementation provides: whole-datagram, in-place, batched. */
import type { DatagramBatch } from '@kcptunb/wasm';
import type { CipherName } from './cipherNames.js';
import type { PacketLayout } from './packetLayout.js';

export interface DatagramCipher {
  readonly name: CipherName;
  /** Which engine runs it, for logs and benches ("wasm-simd", "node:crypto", …). */
  readonly engine: string;
  /** Where its bytes sit around the payload (docs/protocol.md §1.3, §1.9, §1.10). */
  readonly layout: PacketLayout;
  /** Encrypt every datagram of the batch in place, each independently. */
  encrypt(batch: DatagramBatch): void;
  /** Decrypt every datagram of the batch in place. */
  decrypt(batch: DatagramBatch): void;
  /** Free kernel memory. */
  dispose(): void;
  /** The prefix layout's CRC over a whole batch in one native call, where the engine has it. */
  readonly prefixCrc?: PrefixCrcBatch;
}

/** The CRC-32 of the prefix layout (docs/protocol.md §1.3, §1.8) over every slot of a batch. */
export interface PrefixCrcBatch {
  /** Write each payload's CRC into its prefix (slots shorter than the header are left alone). */
  seal(batch: DatagramBatch): void;
  /** flags[flagsIndex + i] = 1 when slot i's CRC matches; returns how many did. */
  check(batch: DatagramBatch, flags: Uint8Array, flagsIndex: number): number;
}
