/**
 * The listener's answer to a datagram of a conversation it does not know (docs/protocol.md
 * §3.10): one reset segment, framed as the server's sessions frame datagrams (FEC data shard when
 * FEC is on) and sealed with the server's key. At most RESETS_PER_SECOND go out, whoever asks: a
 * reset is smaller than the datagram that caused it, so it amplifies nothing, and the cap bounds
 * the work a flood of stale datagrams costs.
 */
import { type PacketCrypt } from '@kcptunb/crypt';
import { FEC_DATA_HEADER_SIZE, writeDataHeader } from '@kcptunb/fec';
import { encodeResetSegment, KCP_OVERHEAD } from '@kcptunb/kcp';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';

export const RESETS_PER_SECOND = 200;

export class ResetReply {
  private readonly batch: DatagramBatch;
  private readonly bytes: Uint8Array;
  private readonly kcpAt: number;
  private windowStart = -Infinity;
  private sentInWindow = 0;

  constructor(kernels: Kernels, private readonly crypt: PacketCrypt, cryptHeader: number, fec: boolean) {
    this.batch = new DatagramBatch(kernels, 1);
    const fecBytes = fec ? FEC_DATA_HEADER_SIZE : 0;
    this.bytes = new Uint8Array(cryptHeader + fecBytes + KCP_OVERHEAD);
    if (fec) writeDataHeader(this.bytes, cryptHeader, 0, KCP_OVERHEAD);
    this.kcpAt = cryptHeader + fecBytes;
  }

  /** The sealed reset for `conv`, or undefined while the rate cap holds (the batch is reused). */
  build(conv: number, now: number): DatagramBatch | undefined {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    if (this.sentInWindow >= RESETS_PER_SECOND) return undefined;
    this.sentInWindow++;
    encodeResetSegment(this.bytes, this.kcpAt, conv);
    this.batch.clear();
    this.batch.push(this.bytes);
    this.crypt.seal(this.batch);
    return this.batch;
  }

  dispose(): void {
    this.batch.dispose();
  }
}
