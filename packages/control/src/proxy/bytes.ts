/**
 * Byte plumbing shared by the proxy handshakes: a growable buffer for the
 * bytes of a request that may arrive in pieces, and a queue of the bytes that
 * must wait until the tunnel (or the dial) answers.
 */

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Append-only buffer with doubling capacity (copying each piece once). */
export class GrowableBytes {
  private buffer: Uint8Array;
  private used = 0;

  constructor(initialCapacity = 64) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.used;
  }

  append(chunk: Uint8Array): void {
    const need = this.used + chunk.length;
    if (need > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < need) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, this.used));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.used);
    this.used = need;
  }

  /** The bytes so far, without copying (valid until the next `append`). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }
}

/** Bytes held for later, kept by reference (the caller must not reuse them). */
export class HeldBytes {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Everything held, as one array; empties the queue. */
  take(): Uint8Array {
    const out = concatBytes(this.chunks);
    this.chunks.length = 0;
    this.total = 0;
    return out;
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY_BYTES;
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The big-endian u16 at `at`; the caller has checked that `b` holds `at + 2` bytes. */
export function uint16BE(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Bytes → string, one char per byte (exact round trip with `latin1Bytes`). */
export function latin1String(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function latin1Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}
