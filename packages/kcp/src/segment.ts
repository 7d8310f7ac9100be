/** One KCP segment and its 24-byte little-endian header (spec §3.1). */
import { KCP_OVERHEAD } from './constants.js';

export class Segment {
  conv = 0;
  cmd = 0;
  frg = 0;
  wnd = 0;
  ts = 0;
  sn = 0;
  una = 0;
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

  /** The payload bytes. */
  payload(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  reset(): void {
    this.conv = this.cmd = this.frg = this.wnd = this.ts = this.sn = this.una = 0;
    this.rto = this.xmit = this.resendts = this.fastack = 0;
    this.acked = false;
    this.length = 0;
  }
}

/** Write a segment header at `at`; returns the offset after it. */
export function encodeHeader(out: Uint8Array, at: number, conv: number, cmd: number, frg: number, wnd: number, ts: number, sn: number, una: number, len: number): number {
  writeU32(out, at, conv);
  out[at + 4] = cmd;
  out[at + 5] = frg;
  out[at + 6] = wnd & 0xff;
  out[at + 7] = (wnd >>> 8) & 0xff;
  writeU32(out, at + 8, ts);
  writeU32(out, at + 12, sn);
  writeU32(out, at + 16, una);
  writeU32(out, at + 20, len);
  return at + KCP_OVERHEAD;
}

export function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}
