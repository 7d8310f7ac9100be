/**
 * Stock smux v2 per-stream flow control (docs/protocol.md §4.7): the sender keeps
 * `written − peerConsumed ≤ peerWindow`; the receiver reports what its application
 * consumed in UPD frames (cmd 4, body `consumed u32 LE | window u32 LE`) after its
 * first read and whenever the bytes read since the last UPD reach half its window.
 * All counters wrap at 2^32 like stock's uint32s.
 */

/** What a sender assumes before the first UPD (stock's initialPeerWindow). */
export const INITIAL_PEER_WINDOW = 262_144;
/** Bytes of a UPD body. */
export const UPD_BODY_SIZE = 8;

export function encodeUpdBody(consumed: number, window: number): Uint8Array {
  const body = new Uint8Array(UPD_BODY_SIZE);
  const dv = new DataView(body.buffer);
  dv.setUint32(0, consumed >>> 0, true);
  dv.setUint32(4, window >>> 0, true);
  return body;
}

export function decodeUpdBody(body: Uint8Array): { consumed: number; window: number } {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return { consumed: dv.getUint32(0, true), window: dv.getUint32(4, true) };
}

export class StreamWindow {
  private written = 0;
  private peerConsumed = 0;
  private peerWindow = INITIAL_PEER_WINDOW;
  private consumed = 0;
  private sinceUpdate = 0;
  private readBefore = false;

  /** `window`: our per-stream receive window, advertised in every UPD (upstream `--streambuf`). */
  constructor(readonly window: number) {}

  /** PSH payload bytes the peer's window allows now. A peer claiming more consumed than sent counts as nothing in flight. */
  get credit(): number {
    const inflight = Math.max(0, (this.written - this.peerConsumed) | 0);
    return Math.max(0, this.peerWindow - inflight);
  }

  /** `n` payload bytes went out in a PSH. */
  onSent(n: number): void {
    this.written = (this.written + n) >>> 0;
  }

  /** A UPD arrived. */
  onUpdate(consumed: number, window: number): void {
    this.peerConsumed = consumed >>> 0;
    this.peerWindow = window >>> 0;
  }

  /** The application read `n` bytes: the UPD body to send now, or null. */
  onRead(n: number): Uint8Array | null {
    if (n <= 0) return null;
    this.consumed = (this.consumed + n) >>> 0;
    this.sinceUpdate += n;
    const first = !this.readBefore;
    this.readBefore = true;
    if (!first && this.sinceUpdate < this.window / 2) return null;
    this.sinceUpdate = 0;
    return encodeUpdBody(this.consumed, this.window);
  }
}
