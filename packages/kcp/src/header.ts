/**
 * The 24-byte little-endian KCP segment header (docs/protocol.md §3.1):
 *   conv u32 | cmd u8 | frg u8 | wnd u16 | ts u32 | sn u32 | una u32 | len u32
 * The only place that knows these offsets; everyone else reads through here.
 */
import { CMD_PUSH, CMD_RESET, CMD_WINS, KCP_OVERHEAD, RESET_MAGIC } from './constants.js';

export interface SegmentHeader {
  conv: number;
  cmd: number;
  frg: number;
  wnd: number;
  ts: number;
  sn: number;
  una: number;
  /** Payload bytes following the header. */
  len: number;
}

export function emptySegmentHeader(): SegmentHeader {
  return { conv: 0, cmd: 0, frg: 0, wnd: 0, ts: 0, sn: 0, una: 0, len: 0 };
}

/**
 * Decode the header at `at` into `into` (reused on hot paths so nothing is
 * allocated); false when fewer than KCP_OVERHEAD bytes remain.
 */
export function readSegmentHeader(bytes: Uint8Array, at: number, into: SegmentHeader): boolean {
  if (bytes.length - at < KCP_OVERHEAD) return false;
  into.conv = readU32(bytes, at);
  into.cmd = bytes[at + 4]!;
  into.frg = bytes[at + 5]!;
  into.wnd = bytes[at + 6]! | (bytes[at + 7]! << 8);
  into.ts = readU32(bytes, at + 8);
  into.sn = readU32(bytes, at + 12);
  into.una = readU32(bytes, at + 16);
  into.len = readU32(bytes, at + 20);
  return true;
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

/** PUSH, ACK, WASK or WINS. */
export function isKnownCommand(cmd: number): boolean {
  return cmd >= CMD_PUSH && cmd <= CMD_WINS;
}

/**
 * The first segment a fresh conversation sends: a PUSH with sn 0. A server
 * that sees it under a new conv from a known address treats the peer as
 * restarted (stock kcptun; docs/protocol.md §3.9).
 */
export function isConversationStart(header: SegmentHeader): boolean {
  return header.cmd === CMD_PUSH && header.sn === 0;
}

/**
 * kcptunb's reset segment (docs/protocol.md §3.10): the conv, CMD_RESET, RESET_MAGIC as sn, every
 * other field 0. Returns the offset after it.
 */
export function encodeResetSegment(out: Uint8Array, at: number, conv: number): number {
  return encodeHeader(out, at, conv, CMD_RESET, 0, 0, 0, RESET_MAGIC, 0, 0);
}

/** Whether `header` is a reset (docs/protocol.md §3.10). */
export function isResetSegment(header: SegmentHeader): boolean {
  return header.cmd === CMD_RESET && header.sn === RESET_MAGIC && header.len === 0;
}

/**
 * The first segment of a conversation this side never took part in: its una says the peer
 * received segments from us (docs/protocol.md §3.10) — it talked to an earlier incarnation of
 * this server, or to a session the server already ended.
 */
export function isStaleConversation(header: SegmentHeader): boolean {
  return header.una !== 0;
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
