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
    while (total < maxBytes) {
      if (this.control.length > 0) {
        const packed = this.control.shift()!;
        const cmd = Math.floor(packed / SID_SPAN);
        cmds[count] = cmd;
        sids[count] = packed - cmd * SID_SPAN;
        payloads[count] = EMPTY;
        count++;
        total += HEADER_SIZE;
        continue;
      }
      const withBody = this.controlBodies.shift();
      if (withBody !== undefined) {
        cmds[count] = withBody.cmd;
        sids[count] = withBody.sid;
        payloads[count] = withBody.payload;
        count++;
        total += HEADER_SIZE + withBody.payload.length;
        continue;
      }
      const source = this.active.shift();
      if (source === undefined) break;
      if (source.pullFrame(this.pulled)) {
        cmds[count] = this.pulled.cmd;
        sids[count] = source.id;
        payloads[count] = this.pulled.payload;
        count++;
        total += HEADER_SIZE + this.pulled.payload.length;
      }
      if (source.hasFrameReady()) this.active.push(source);
      else source.scheduled = false;
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

  /** Drop everything (session closed). */
  clear(): void {
    this.control.clear();
    this.controlBodies.clear();
    for (let s = this.active.shift(); s !== undefined; s = this.active.shift()) s.scheduled = false;
    this.tail = null;
  }
}
