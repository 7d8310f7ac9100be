/**
 * The session's send side: which frame goes out next (docs/protocol.md §4.3 last bullet).
 *
 * 1. The rest of a frame cut by an earlier `take(maxBytes)` — frames are never
 *    interleaved byte-wise.
 * 2. Control frames (NOP, ACK, FUL, EMP; stock UPD), first in first out, ahead of data.
 * 3. Stream frames (SYN, PSH, FIN): round-robin, one frame per stream per
 *    turn, so one bulk stream cannot starve the others; each stream's own
 *    order is kept by the stream.
 */
import { Deque } from '@kcptunb/collections';
import { EMPTY, encodeHeader, HEADER_SIZE } from './frame.js';

/** A frame a source hands out: the scheduler writes header + payload. */
export interface PulledFrame {
  cmd: number;
  payload: Uint8Array;
}

/** Something with an ordered list of frames to send (a stream). */
export interface FrameSource {
  readonly id: number;
  /** Owned by the scheduler: true while the source is in the round-robin list. */
  scheduled: boolean;
  /** Fill `out` with the next frame; false when it has none to send now. */
  pullFrame(out: PulledFrame): boolean;
  /** Whether `pullFrame` would produce a frame now. */
  hasFrameReady(): boolean;
}

const SID_SPAN = 0x1_0000_0000;

export class FrameQueue {
  /** Control frames packed as cmd·2^32 + sid (no allocation per frame). */
  private readonly control = new Deque<number>();
  /** Control frames with a body (stock UPD), served after the bodiless ones. */
  private readonly controlBodies = new Deque<{ cmd: number; sid: number; payload: Uint8Array }>();
  private readonly active = new Deque<FrameSource>();
  /** Unsent rest of a frame cut by `maxBytes`. */
  private tail: Uint8Array | null = null;
  private readonly pulled: PulledFrame = { cmd: 0, payload: EMPTY };
  private pulledCmd = 0;
  private pulledSid = 0;
  /** The header of a frame `takeInto` cuts. */
  private readonly cutHeader = new Uint8Array(HEADER_SIZE);
  // per-take scratch lists, reused
  private readonly cmds: number[] = [];
  private readonly sids: number[] = [];
  private readonly payloads: Uint8Array[] = [];
  /** Frames fully encoded by `take` so far. */
  framesSent = 0;

  constructor(private version: number) {}

  /** The version byte of frames encoded from now on (a stock server adopting its peer's, docs/protocol.md §4.8). */
  setVersion(version: number): void {
    this.version = version;
  }

  /** A control frame (zero-length) ahead of all stream frames. */
  pushControl(cmd: number, sid: number): void {
    this.control.push(cmd * SID_SPAN + sid);
  }

  /** A control frame with a body (stock UPD), ahead of all stream frames. */
  pushControlWithBody(cmd: number, sid: number, payload: Uint8Array): void {
    this.controlBodies.push({ cmd, sid, payload });
  }

  /** Put a source in the round-robin list if it is not there. */
  activate(source: FrameSource): void {
    if (source.scheduled) return;
    source.scheduled = true;
    this.active.push(source);
  }

  /** True when `take` may return bytes (a listed stream may still turn out to have nothing: paused). */
  get hasOutput(): boolean {
    return this.tail !== null || this.control.length > 0 || this.controlBodies.length > 0 || this.active.length > 0;
  }

  /**
   * Up to `maxBytes` bytes of whole frames (the last one possibly cut; its
   * rest comes first next time), or null when nothing is ready.
   */
  take(maxBytes: number): Uint8Array | null {
    if (maxBytes <= 0) return null;
    let tail = this.tail;
    if (tail && tail.length >= maxBytes) {
      const out = tail.subarray(0, maxBytes);
      this.tail = tail.length > maxBytes ? tail.subarray(maxBytes) : null;
      return out;
    }
    const cmds = this.cmds;
    const sids = this.sids;
    const payloads = this.payloads;
    let total = tail ? tail.length : 0;
    let count = 0;
    while (total < maxBytes && this.next()) {
      cmds[count] = this.pulledCmd;
      sids[count] = this.pulledSid;
      payloads[count] = this.pulled.payload;
      count++;
      total += HEADER_SIZE + this.pulled.payload.length;
    }
    this.pulled.payload = EMPTY;
    if (total === 0) return null;

    const out = Buffer.allocUnsafe(total); // every byte is written below
    let pos = 0;
    if (tail) {
      out.set(tail, 0);
      pos = tail.length;
      this.tail = tail = null;
    }
    for (let i = 0; i < count; i++) {
      const payload = payloads[i]!;
      encodeHeader(out, pos, cmds[i]!, payload.length, sids[i]!, this.version);
      pos += HEADER_SIZE;
      if (payload.length > 0) {
        out.set(payload, pos);
        pos += payload.length;
      }
      payloads[i] = EMPTY; // do not keep the caller's bytes alive
    }
    this.framesSent += count;
    if (total > maxBytes) {
      this.tail = out.subarray(maxBytes);
      return out.subarray(0, maxBytes);
    }
    return out;
  }

  /**
   * `take(dest.length)` encoded straight into `dest` (a ring reservation), the same bytes in the
   * same order without an intermediate buffer per call: only the rest of a cut frame is copied
   * aside. Returns the bytes written, 0 when nothing is ready.
   */
  takeInto(dest: Uint8Array): number {
    const max = dest.length;
    if (max <= 0) return 0;
    const tail = this.tail;
    if (tail && tail.length >= max) {
      dest.set(tail.subarray(0, max));
      this.tail = tail.length > max ? tail.subarray(max) : null;
      return max;
    }
    let pos = 0;
    if (tail) {
      dest.set(tail, 0);
      pos = tail.length;
      this.tail = null;
    }
    while (pos < max && this.next()) {
      const payload = this.pulled.payload;
      this.pulled.payload = EMPTY;
      this.framesSent++;
      if (pos + HEADER_SIZE + payload.length <= max) {
        encodeHeader(dest, pos, this.pulledCmd, payload.length, this.pulledSid, this.version);
        dest.set(payload, pos + HEADER_SIZE);
        pos += HEADER_SIZE + payload.length;
        continue;
      }
      // the frame is cut: what fits goes now, its rest (usually a few bytes) is kept as the tail
      const header = this.cutHeader;
      encodeHeader(header, 0, this.pulledCmd, payload.length, this.pulledSid, this.version);
      const rest = new Uint8Array(pos + HEADER_SIZE + payload.length - max);
      const headerFit = Math.min(HEADER_SIZE, max - pos);
      dest.set(header.subarray(0, headerFit), pos);
      rest.set(header.subarray(headerFit), 0);
      const payloadFit = max - pos - headerFit;
      dest.set(payload.subarray(0, payloadFit), pos + headerFit);
      rest.set(payload.subarray(payloadFit), HEADER_SIZE - headerFit);
      this.tail = rest;
      pos = max;
    }
    return pos;
  }

  /**
   * The next frame to send, by the order above, into `pulledCmd`, `pulledSid` and
   * `pulled.payload`; false when none is ready.
   */
  private next(): boolean {
    for (;;) {
      if (this.control.length > 0) {
        const packed = this.control.shift()!;
        const cmd = Math.floor(packed / SID_SPAN);
        this.pulledCmd = cmd;
        this.pulledSid = packed - cmd * SID_SPAN;
        this.pulled.payload = EMPTY;
        return true;
      }
      const withBody = this.controlBodies.shift();
      if (withBody !== undefined) {
        this.pulledCmd = withBody.cmd;
        this.pulledSid = withBody.sid;
        this.pulled.payload = withBody.payload;
        return true;
      }
      const source = this.active.shift();
      if (source === undefined) return false;
      const got = source.pullFrame(this.pulled);
      if (source.hasFrameReady()) this.active.push(source);
      else source.scheduled = false;
      if (got) {
        this.pulledCmd = this.pulled.cmd;
        this.pulledSid = source.id;
        return true;
      }
    }
  }

  /** Drop everything (session closed). */
  clear(): void {
    this.control.clear();
    this.controlBodies.clear();
    for (let s = this.active.shift(); s !== undefined; s = this.active.shift()) s.scheduled = false;
    this.tail = null;
  }
}
