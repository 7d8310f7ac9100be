/**
 * Random 16-byte nonces for the datagram prefix, drawn from the OS CSPRNG in
 * bulk (one `randomFillSync` per `capacity` datagrams, ~2 µs each) straight
 * into kernel memory. The receiver never inspects nonces (docs/protocol.md §1.3).
 */
import { randomFillSync } from 'node:crypto';
import type { Kernels } from '@kcptunb/wasm';
import { NONCE_SIZE } from './prefix.js';

export class NonceSource {
  private readonly pool: number;
  private cursor: number;

  constructor(private readonly kernels: Kernels, readonly capacity = 4096) {
    this.pool = kernels.alloc(capacity * NONCE_SIZE, 16);
    this.cursor = capacity;
  }

  /** Pointer to `count` consecutive fresh nonces (count ≤ capacity), each used once. */
  take(count: number): number {
    if (count > this.capacity) throw new RangeError(`asked for ${count} nonces, pool holds ${this.capacity}`);
    if (this.cursor + count > this.capacity) {
      const bytes = this.kernels.bytes();
      randomFillSync(bytes, this.pool, this.capacity * NONCE_SIZE);
      this.cursor = 0;
    }
    const ptr = this.pool + this.cursor * NONCE_SIZE;
    this.cursor += count;
    return ptr;
  }

  dispose(): void {
    this.kernels.free(this.pool);
  }
}
