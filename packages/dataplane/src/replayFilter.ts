/**
 * Remembers the nonces of accepted datagrams so a recorded datagram replayed later — from any
 * source address — is refused (docs/deviations.md). Wire-compatible: a sender writes 16 fresh
 * random bytes at the start of every datagram (docs/protocol.md §1.3) and no receiver ever looks
 * at them, so a repeat is a replay (or a 2⁻⁶⁴ accident).
 *
 * The key is the first 8 bytes of the datagram *as received*, before decryption: for every cipher
 * they are a fixed bijection of the first 8 nonce bytes (CFB: C₀ = P₀ ⊕ E(IV) under a fixed IV;
 * salsa20 and aes-128-gcm: the clear nonce; xor: a fixed table; none: the bytes), so they
 * identify the datagram as well as the nonce does, and a replay is refused with one table lookup —
 * no copy, no decryption, no CRC. A datagram is entered only once it decrypted and passed its CRC
 * (its key kept from before), so garbage never fills the tables.
 *
 * Two generations of open-addressing tables (linear probing over a Uint32Array): inserts go to the
 * current one; when it holds `perGeneration` nonces or is `generationMs` old it becomes the
 * previous one and the older is cleared. A nonce is thus remembered for at least one generation —
 * `generationMs`, or less only while more than `perGeneration` datagrams arrive in that time — and
 * at most two. A slot holds 32 bits, not the whole key: bytes 0..3 (uniformly random) choose the
 * home slot and bytes 4..7 are stored as the fingerprint, so a key is told by its home slot's
 * bits and its fingerprint (51 bits at the default size). A fresh datagram is taken for a replay
 * only when a remembered key in the probed run has its fingerprint: at load ≤ 1/2 about 2.5 slots
 * per table, ≈ 2⁻³⁰ per datagram for both tables — a spurious drop per ~10⁹ datagrams, which KCP
 * retransmits like any loss. Memory is fixed: 2 tables × 2·perGeneration slots × 4 bytes (4 MiB at
 * the default 2¹⁸; full 8-byte keys took 8 MiB, all of it resident once a busy minute filled
 * them). Pure: the caller passes `now`.
 */

export interface ReplayFilterOptions {
  /** Nonces per generation (a power of two). */
  perGeneration?: number;
  /** Longest life of a generation, ms. */
  generationMs?: number;
}

export const REPLAY_PER_GENERATION = 1 << 18;
export const REPLAY_GENERATION_MS = 60_000;

/** Bytes the filter keys on (docs/protocol.md §1.3: the first 16 bytes are random). */
export const KEY_BYTES = 8;

class NonceTable {
  /** Fingerprints (key bytes 4..7, 0 stored as 1) at the home slot of key bytes 0..3 or after; 0 marks an empty slot. */
  readonly slots: Uint32Array;
  readonly mask: number;
  count = 0;
  bornAt = 0;

  constructor(slots: number) {
    this.slots = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Insert (lo, hi); false when it was already there. */
  insert(lo: number, hi: number): boolean {
    const s = this.slots;
    const fp = fingerprint(hi);
    // the nonce is uniformly random, so its own bits are a good hash
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const f = s[i]!;
      if (f === 0) {
        s[i] = fp;
        this.count++;
        return true;
      }
      if (f === fp) return false;
    }
  }

  has(lo: number, hi: number): boolean {
    const s = this.slots;
    const fp = fingerprint(hi);
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const f = s[i]!;
      if (f === 0) return false;
      if (f === fp) return true;
    }
  }

  clear(now: number): void {
    this.slots.fill(0);
    this.count = 0;
    this.bornAt = now;
  }
}

/** The stored 32 bits of a key: its bytes 4..7, with 0 (the empty mark) folded onto 1. */
function fingerprint(hi: number): number {
  return hi === 0 ? 1 : hi;
}

export class ReplayFilter {
  readonly perGeneration: number;
  readonly generationMs: number;
  private current: NonceTable;
  private previous: NonceTable;

  constructor(options: ReplayFilterOptions = {}, now = 0) {
    this.perGeneration = options.perGeneration ?? REPLAY_PER_GENERATION;
    this.generationMs = options.generationMs ?? REPLAY_GENERATION_MS;
    const p = this.perGeneration;
    if (!Number.isInteger(p) || p < 1 || (p & (p - 1)) !== 0) throw new RangeError(`perGeneration must be a power of two, got ${p}`);
    // load factor ≤ 1/2 keeps linear probes short
    this.current = new NonceTable(2 * p);
    this.previous = new NonceTable(2 * p);
    this.current.bornAt = now;
    this.previous.bornAt = now;
  }

  /** Bytes the filter holds, whatever it has seen. */
  get memoryBytes(): number {
    return this.current.slots.byteLength + this.previous.slots.byteLength;
  }

  /**
   * `datagram` (as received: its key at offset 0) is genuine: true if it is new — it is remembered
   * from now on — false if its key was seen within the window (a replay). Datagrams shorter than
   * the key are never replays here (they fail the crypto layer's length check anyway).
   */
  admit(datagram: Uint8Array, now: number): boolean {
    if (datagram.length < KEY_BYTES) return true;
    return this.admitKey(keyLow(datagram), keyHigh(datagram), now);
  }

  /** `admit` for a key read earlier with keyLow/keyHigh (the datagram has been decrypted since). */
  admitKey(lo: number, hi: number, now: number): boolean {
    if (this.previous.has(lo, hi)) return false;
    const cur = this.current;
    if (cur.count >= this.perGeneration || now - cur.bornAt >= this.generationMs) this.rotate(now);
    return this.current.insert(lo, hi);
  }

  /** Whether `datagram`'s key is remembered, without remembering it. */
  seen(datagram: Uint8Array): boolean {
    if (datagram.length < KEY_BYTES) return false;
    const lo = keyLow(datagram);
    const hi = keyHigh(datagram);
    return this.current.has(lo, hi) || this.previous.has(lo, hi);
  }

  /** `seen` for a key read earlier with keyLow/keyHigh. */
  seenKey(lo: number, hi: number): boolean {
    return this.current.has(lo, hi) || this.previous.has(lo, hi);
  }

  private rotate(now: number): void {
    const old = this.previous;
    this.previous = this.current;
    old.clear(now);
    this.current = old;
  }
}

/** Bytes 0..3 of the filter's key (little-endian), read before the datagram is decrypted in place. */
export function keyLow(datagram: Uint8Array): number {
  return (datagram[0]! | (datagram[1]! << 8) | (datagram[2]! << 16) | (datagram[3]! << 24)) >>> 0;
}

/** Bytes 4..7 of the filter's key. */
export function keyHigh(datagram: Uint8Array): number {
  return (datagram[4]! | (datagram[5]! << 8) | (datagram[6]! << 16) | (datagram[7]! << 24)) >>> 0;
}
