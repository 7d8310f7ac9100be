/** Seeded, fast, deterministic randomness for simulations, property tests and generated payloads. */

/** mulberry32: 32-bit state, good enough for loss patterns and test data. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Fill `out` with random bytes. */
  fill(out: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= out.length; i += 4) {
      const v = this.u32();
      out[i] = v;
      out[i + 1] = v >>> 8;
      out[i + 2] = v >>> 16;
      out[i + 3] = v >>> 24;
    }
    for (; i < out.length; i++) out[i] = this.u32();
    return out;
  }
}

/**
 * The seed for a randomised run: `KCPTUNB_SEED` if set (to replay a failure), else a
 * fresh one. Logged either way, so every failing run can be reproduced.
 */
export function runSeed(what: string): number {
  const fromEnv = process.env.KCPTUNB_SEED;
  const seed = fromEnv !== undefined ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  console.log(`# ${what}: seed ${seed} (replay with KCPTUNB_SEED=${seed})`);
  return seed;
}
