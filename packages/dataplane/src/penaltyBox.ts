/**
 * Sources whose datagrams keep failing the checksum, turned away without a decryption for a
 * while: a garbage flood from a few addresses then costs the listener a table lookup per
 * datagram instead of a decryption. Only addresses without a session are looked up (an
 * established session never passes here), so a spoofed flood can delay a newcomer from the same
 * address and port by BOX_MS at most, never cut a session. Bounded and allocation-free: a fixed
 * 4-way set-associative table of IPv4 sources (a PeerKey number); IPv6 sources (string keys) are
 * never boxed — hashing a string per datagram would cost what the box saves. Pure: time comes in
 * as `now`.
 */
import type { PeerKey } from '@kcptunb/udp';

/** Failures within FAIL_WINDOW_MS that box a source. */
export const FAILS_TO_BOX = 16;
export const FAIL_WINDOW_MS = 10_000;
/** How long a boxed source is turned away. */
export const BOX_MS = 10_000;
const WAYS = 4;
const SETS = 1024;

export class PenaltyBox {
  private readonly keys = new Float64Array(SETS * WAYS);
  private readonly fails = new Uint16Array(SETS * WAYS);
  /** When the entry's failure window started (also: its age, for replacement). */
  private readonly since = new Float64Array(SETS * WAYS);
  private readonly until = new Float64Array(SETS * WAYS);

  /** Whether datagrams from `key` are turned away at `now`. */
  boxed(key: PeerKey, now: number): boolean {
    if (typeof key !== 'number') return false;
    const e = this.find(key);
    return e >= 0 && this.until[e]! > now;
  }

  /** A datagram from `key` failed the checksum at `now`. */
  failed(key: PeerKey, now: number): void {
    if (typeof key !== 'number' || key === 0) return;
    let e = this.find(key);
    if (e < 0) e = this.claim(key, now);
    if (now - this.since[e]! > FAIL_WINDOW_MS) {
      this.since[e] = now;
      this.fails[e] = 0;
    }
    if (++this.fails[e]! >= FAILS_TO_BOX) {
      this.until[e] = now + BOX_MS;
      this.since[e] = now;
      this.fails[e] = 0;
    }
  }

  private first(key: number): number {
    // IPv4 key = address · 65536 + port (< 2^48): mix both halves
    const h = Math.imul((key >>> 0) ^ Math.floor(key / 4294967296), 0x9e3779b1);
    return ((h >>> 16) & (SETS - 1)) * WAYS;
  }

  private find(key: number): number {
    const base = this.first(key);
    for (let w = 0; w < WAYS; w++) if (this.keys[base + w] === key) return base + w;
    return -1;
  }

  /** An empty way of `key`'s set, else the one whose window is oldest and which is not boxed now. */
  private claim(key: number, now: number): number {
    const base = this.first(key);
    let victim = base;
    for (let w = 0; w < WAYS; w++) {
      const e = base + w;
      if (this.keys[e] === 0) {
        victim = e;
        break;
      }
      const boxedE = this.until[e]! > now;
      const boxedV = this.until[victim]! > now;
      if ((boxedV && !boxedE) || (boxedV === boxedE && this.since[e]! < this.since[victim]!)) victim = e;
    }
    this.keys[victim] = key;
    this.fails[victim] = 0;
    this.since[victim] = now;
    this.until[victim] = 0;
    return victim;
  }
}
