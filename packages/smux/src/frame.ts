/**
 * smux frame header codec and an incremental decoder (docs/protocol.md §4.1, §4.2).
 *
 *   offset 0  ver     u8
 *          1  cmd     u8
 *          2  length  u16 LE   — payload bytes that follow
 *          4  sid     u32 LE   — stream id
 *          8  payload
 *
 * Length comes BEFORE sid (docs/protocol.md §9 item 7).
 */

export const HEADER_SIZE = 8;
/** The only version kcptunB speaks (Debian's default). */
export const SMUX_VERSION = 1;
/** Stock smux v2: per-stream windows with UPD frames (upstream kcptun's default, docs/protocol.md §4.7). */
export const SMUX_VERSION_2 = 2;
/** Largest payload the 16-bit length field can carry. */
export const MAX_PAYLOAD = 65535;

export const CMD_SYN = 0; // open stream sid
export const CMD_FIN = 1; // sender writes no more; acts as close
export const CMD_PSH = 2; // data
export const CMD_NOP = 3; // keepalive; kcptunB: heartbeat request, sid = ping counter
export const CMD_ACK = 4; // kcptunB: heartbeat reply (sid echoes the NOP); stock: UPD (8-byte body) — the dialect decides
/** Stock's name for cmd 4. */
export const CMD_UPD = CMD_ACK;
export const CMD_FUL = 5; // kcptunB: "my buffer for stream sid is full, pause"
export const CMD_EMP = 6; // kcptunB: "resume sending on stream sid"
/** Highest command any implementation defines. */
export const CMD_MAX = CMD_EMP;
/** Highest command stock smux defines. */
export const CMD_MAX_STOCK = CMD_UPD;

export const COMMAND_NAMES: readonly string[] = ['SYN', 'FIN', 'PSH', 'NOP', 'ACK', 'FUL', 'EMP'];

export interface FrameHeader {
  /** Protocol version byte; must be 1. */
  ver: number;
  /** Command, `CMD_*`. */
  cmd: number;
  /** Payload length in bytes (0..65535). */
  length: number;
  /** Stream id (or ping counter for NOP/ACK). */
  sid: number;
}

/** Write an 8-byte header at `offset`. */
export function encodeHeader(out: Uint8Array, offset: number, cmd: number, length: number, sid: number, ver = SMUX_VERSION): void {
  out[offset] = ver;
  out[offset + 1] = cmd;
  out[offset + 2] = length & 0xff;
  out[offset + 3] = length >>> 8;
  out[offset + 4] = sid & 0xff;
  out[offset + 5] = (sid >>> 8) & 0xff;
  out[offset + 6] = (sid >>> 16) & 0xff;
  out[offset + 7] = sid >>> 24;
}

/** One whole frame as bytes (header + payload copy). */
export function encodeFrame(cmd: number, sid: number, payload: Uint8Array = EMPTY, ver = SMUX_VERSION): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  encodeHeader(out, 0, cmd, payload.length, sid, ver);
  out.set(payload, HEADER_SIZE);
  return out;
}

/** Read the header at `offset` (caller guarantees 8 bytes). */
export function decodeHeader(bytes: Uint8Array, offset = 0): FrameHeader {
  return {
    ver: bytes[offset]!,
    cmd: bytes[offset + 1]!,
    length: bytes[offset + 2]! | (bytes[offset + 3]! << 8),
    sid: (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0,
  };
}

export const EMPTY = new Uint8Array(0);

/**
 * Checks a header as soon as its 8 bytes are in, before any payload is read,
 * so a bad header stops decoding at once. Returns an error to stop, or null.
 */
export type HeaderCheck = (ver: number, cmd: number, length: number, sid: number) => Error | null;

/** Receives each complete frame; `payload` is a private copy the receiver may keep. */
export type FrameHandler = (cmd: number, sid: number, payload: Uint8Array) => void;

/**
 * A private copy of `length` bytes at `pos`. Node's Buffer.allocUnsafe takes
 * small sizes from its shared pool: about 3× cheaper than `slice()` for 1 KiB
 * (a fresh ArrayBuffer per frame), and nothing large is kept alive by a small frame.
 */
function copyPayload(chunk: Uint8Array, pos: number, length: number): Uint8Array {
  const out = Buffer.allocUnsafe(length);
  out.set(chunk.subarray(pos, pos + length));
  return out;
}

/**
 * Incremental decoder: accepts the byte stream split at any boundary. Payloads
 * are copied out of the caller's chunks, so callers may reuse their buffers
 * (payloads are Node Buffers, i.e. Uint8Arrays that may have a byteOffset).
 * After the header check fails the decoder stays failed and ignores input.
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerFill = 0;
  /** Set while a frame's payload is being assembled across chunks. */
  private payload: Uint8Array | null = null;
  private payloadFill = 0;
  private cmd = 0;
  private sid = 0;
  private failure: Error | null = null;

  constructor(private readonly check: HeaderCheck | null = null) {}

  /** The error that stopped the decoder, if any. */
  get error(): Error | null {
    return this.failure;
  }

  /** Bytes of an unfinished frame held from earlier chunks. */
  get buffered(): number {
    return this.payload ? HEADER_SIZE + this.payloadFill : this.headerFill;
  }

  /** Decode `chunk`, calling `onFrame` per complete frame. Returns the error that stopped decoding, or null. */
  push(chunk: Uint8Array, onFrame: FrameHandler): Error | null {
    if (this.failure) return this.failure;
    const n = chunk.length;
    let pos = 0;
    // finish a frame begun in an earlier chunk
    if (this.payload) {
      pos = this.fillPayload(chunk, 0, onFrame);
    }
    while (pos < n) {
      if (this.headerFill === 0 && n - pos >= HEADER_SIZE) {
        // fast path: the whole header is in this chunk
        const ver = chunk[pos]!;
        const cmd = chunk[pos + 1]!;
        const length = chunk[pos + 2]! | (chunk[pos + 3]! << 8);
        const sid = (chunk[pos + 4]! | (chunk[pos + 5]! << 8) | (chunk[pos + 6]! << 16) | (chunk[pos + 7]! << 24)) >>> 0;
        pos += HEADER_SIZE;
        if (!this.accept(ver, cmd, length, sid)) return this.failure;
        if (length === 0) {
          onFrame(cmd, sid, EMPTY);
        } else if (n - pos >= length) {
          onFrame(cmd, sid, copyPayload(chunk, pos, length));
          pos += length;
        } else {
          this.payload = Buffer.allocUnsafe(length);
          this.payloadFill = 0;
          pos = this.fillPayload(chunk, pos, onFrame);
        }
        continue;
      }
      // slow path: assemble the header byte by byte across chunks
      const take = Math.min(HEADER_SIZE - this.headerFill, n - pos);
      this.header.set(chunk.subarray(pos, pos + take), this.headerFill);
      this.headerFill += take;
      pos += take;
      if (this.headerFill < HEADER_SIZE) break;
      this.headerFill = 0;
      const h = decodeHeader(this.header);
      if (!this.accept(h.ver, h.cmd, h.length, h.sid)) return this.failure;
      if (h.length === 0) {
        onFrame(h.cmd, h.sid, EMPTY);
      } else {
        this.payload = Buffer.allocUnsafe(h.length);
        this.payloadFill = 0;
        pos = this.fillPayload(chunk, pos, onFrame);
      }
    }
    return null;
  }

  private accept(ver: number, cmd: number, length: number, sid: number): boolean {
    const err = this.check ? this.check(ver, cmd, length, sid) : null;
    if (err) {
      this.failure = err;
      return false;
    }
    this.cmd = cmd;
    this.sid = sid;
    return true;
  }

  private fillPayload(chunk: Uint8Array, pos: number, onFrame: FrameHandler): number {
    const payload = this.payload!;
    const take = Math.min(payload.length - this.payloadFill, chunk.length - pos);
    payload.set(chunk.subarray(pos, pos + take), this.payloadFill);
    this.payloadFill += take;
    if (this.payloadFill === payload.length) {
      this.payload = null;
      onFrame(this.cmd, this.sid, payload);
    }
    return pos + take;
  }
}
