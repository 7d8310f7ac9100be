/** Bounded waiting: every wait has a deadline and says what it waited for when it gives up. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Resolve when `predicate()` holds, polling every `pollMs`; reject after `timeoutMs`.
 * `diag` is appended to the error (e.g. the last output of the process waited on).
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string, opts: { pollMs?: number; diag?: () => string } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pollMs = opts.pollMs ?? 20;
  for (let polls = 0; !(await predicate()); polls++) {
    if (Date.now() > deadline) {
      const diag = opts.diag?.() ?? '';
      throw new Error(`timed out after ${timeoutMs} ms (${polls} polls) waiting for ${what}${diag ? `\n${diag}` : ''}`);
    }
    await sleep(pollMs);
  }
}
