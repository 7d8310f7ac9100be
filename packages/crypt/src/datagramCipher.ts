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
}
