/** One KCP segment held in a queue: its payload and the sender's retransmission state. */
export class Segment {
  sn = 0;
  /** When it was last transmitted (the ts its header carried). */
  ts = 0;
  /** Retransmission bookkeeping (sender side only). */
  rto = 0;
  xmit = 0;
  resendts = 0;
  fastack = 0;
  acked = false;
  /** Payload storage; `length` bytes of it are used. */
  data: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Uint8Array(capacity);
  }

  reset(): void {
    this.sn = this.ts = 0;
    this.rto = this.xmit = this.resendts = this.fastack = 0;
    this.acked = false;
    this.length = 0;
  }
}
