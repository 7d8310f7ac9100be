/**
 * When a server gives freed heap memory back to the OS. Closed sessions free their socket read
 * buffers, snappy buffers and (once collected) ring SharedArrayBuffers in another order than they
 * were taken, and glibc keeps those free pages inside its arenas: the soak measured RSS creeping up
 * round after round although nothing was live. A trim (malloc_trim, a few ms for a few hundred MiB
 * of arenas, process-wide) runs after `every` sessions ended, at most every `minIntervalMs`, and when
 * the last one ended, at most every `idleIntervalMs` (so the memory of a finished burst always goes
 * back). Pure: the caller passes `now` and the trim function.
 */

export const TRIM_EVERY_SESSIONS = 64;
export const TRIM_MIN_INTERVAL_MS = 2000;
export const TRIM_IDLE_INTERVAL_MS = 250;

export class HeapTrimmer {
  private ended = 0;
  private lastAt = -Infinity;
  /** Trims that ran. */
  trims = 0;

  constructor(
    private readonly trim: () => unknown,
    private readonly every = TRIM_EVERY_SESSIONS,
    private readonly minIntervalMs = TRIM_MIN_INTERVAL_MS,
    private readonly idleIntervalMs = TRIM_IDLE_INTERVAL_MS,
  ) {}

  /** A session ended; `live` sessions remain. Returns whether a trim ran. */
  sessionEnded(now: number, live: number): boolean {
    this.ended++;
    const due = live === 0 ? now - this.lastAt >= this.idleIntervalMs : this.ended >= this.every && now - this.lastAt >= this.minIntervalMs;
    if (!due) return false;
    this.ended = 0;
    this.lastAt = now;
    this.trims++;
    this.trim();
    return true;
  }
}
