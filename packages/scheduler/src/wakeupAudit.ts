/**
 * The audit of lost wake-ups. Every shell says what should run it next (a time, ring conditions),
 * and the edge turns that into timers and doorbell sleeps; a mistake anywhere in that chain — a
 * ring condition a shell forgot to return, a doorbell that was never rung — leaves a shell that
 * could progress asleep, and since idle sessions keep no timer, asleep for good. The audit looks,
 * once a period, for shells that can progress (`Runnable.canProgress`), are not dirty and have no
 * timer due within the period; one found on two audits in a row without having run between them
 * is run, and counted. A correct program never counts one (the tests read the count); a wrong
 * one stalls a stream for at most two periods instead of for ever. Pure: the edge passes `now`.
 */
import type { RunQueue, Runnable } from './runQueue.js';

/** How often the real-time edge audits its queue. */
export const AUDIT_EVERY_MS = 1000;

/** Lost wake-ups logged per thread; the count goes on. */
const LOGGED = 20;

/**
 * The `onMissedWakeup` of a thread's driver: counts each rescue (`count` returns the new total)
 * and logs the first ones with the shell's state, as `<where>: missed wake-up (n), ran <state>`.
 */
export function reportMissedWakeups(where: string, count: () => number, log: (line: string) => void): (item: Runnable) => void {
  return (item) => {
    const n = count();
    if (n <= LOGGED) log(`${where}: missed wake-up (${n}), ran ${item.stallReport?.() ?? item.constructor.name}`);
  };
}

export class WakeupAudit<T extends Runnable> {
  /** Shells found able to progress at the last audit that have not run since. */
  private suspects = new Set<T>();
  /** Shells run by the audit so far. */
  missed = 0;

  constructor(private readonly periodMs = AUDIT_EVERY_MS) {}

  /** These shells ran: none of them is a suspect any more. */
  ran(items: readonly T[]): void {
    if (this.suspects.size === 0) return;
    for (const item of items) this.suspects.delete(item);
  }

  /** The shells to run now (each a lost wake-up); the rest of this audit's finds become suspects. */
  check(queue: RunQueue<T>, now: number): T[] {
    const rescue: T[] = [];
    const found = new Set<T>();
    for (const item of queue.items()) {
      if (!item.canProgress || queue.isDirty(item)) continue;
      const wakeup = queue.wakeupOf(item);
      if (wakeup && wakeup.at <= now + this.periodMs) continue; // its timer runs it soon
      if (!item.canProgress()) continue;
      if (this.suspects.has(item)) rescue.push(item);
      else found.add(item);
    }
    this.suspects = found;
    this.missed += rescue.length;
    return rescue;
  }
}
