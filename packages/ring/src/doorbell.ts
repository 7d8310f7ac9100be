/**
 * The doorbell (piscina style): a sleeper announces itself in a control word, re-checks, then
 * waits asynchronously on that word; a waker rings only when the word says someone sleeps. A busy
 * peer therefore costs the other side one plain load per publish and no syscall.
 *
 * Why no wake-up is lost: the sleeper stores its flag, then re-reads the ring; the waker publishes
 * its index, then reads the flag. Atomics are sequentially consistent, so either the waker sees the
 * flag (and rings), or the sleeper's re-read sees the waker's index (and does not sleep). A ring
 * that lands before `Atomics.waitAsync` registers still counts: the waker first swaps the flag to
 * 0, and `waitAsync(word, expected)` returns "not-equal" at once when the word changed.
 *
 * Never `Atomics.wait`: it would block the main thread's event loop.
 *
 * When both ends of the ring are on the sleeper's thread, the sleep and the ring go through
 * `sameThread.ts` instead of Atomics (same protocol on the control word, no platform task).
 */
import { bothEndsHere, sleepHere, wakeHere } from './sameThread.js';

/**
 * Sleep until rung. Stores `announce` (non-zero) into `control[word]`, then calls `ready()`; if
 * that finds the condition already met, withdraws and returns `undefined` (no wait). Otherwise
 * returns a promise that resolves when `ring` (or `ringAlways`) is called for that word.
 * The promise may also resolve spuriously; callers re-check in a loop.
 */
export function sleepOn(control: Int32Array, word: number, announce: number, ready: () => boolean): Promise<unknown> | undefined {
  const sleep = sleepOnce(control, word, announce, ready);
  if (sleep === undefined) return undefined;
  keepAlive.hold();
  return sleep.finally(keepAlive.release);
}

/**
 * `sleepOn` without the keep-alive: the bare promise `Atomics.waitAsync` made (no promise of its
 * own), for a caller that holds `keepAlive` itself and chains one handler (the scheduler's edge,
 * once per wait on its hot path).
 */
export function sleepOnce(control: Int32Array, word: number, announce: number, ready: () => boolean): Promise<unknown> | undefined {
  Atomics.store(control, word, announce);
  if (ready()) {
    Atomics.compareExchange(control, word, announce, 0);
    return undefined;
  }
  if (bothEndsHere(control)) {
    let wake!: () => void;
    const here = new Promise<void>((resolve) => (wake = resolve));
    sleepHere(control, word, wake);
    return here;
  }
  const waited = Atomics.waitAsync(control, word, announce);
  return waited.async ? waited.value : undefined; // not async: rung between the store and here
}

/**
 * `sleepOnce` with a callback instead of a promise: false when `ready()` holds (or it was rung
 * while announcing) — nothing pending; true when `onWake` will run once rung (or spuriously).
 * On a ring whose both ends are on this thread the waker calls `onWake` synchronously, so a
 * scheduler can run the woken side in the same event-loop turn.
 */
export function sleepThen(control: Int32Array, word: number, announce: number, ready: () => boolean, onWake: () => void): boolean {
  Atomics.store(control, word, announce);
  if (ready()) {
    Atomics.compareExchange(control, word, announce, 0);
    return false;
  }
  if (sleepHere(control, word, onWake)) return true;
  const waited = Atomics.waitAsync(control, word, announce);
  if (!waited.async) return false;
  waited.value.then(onWake, onWake);
  return true;
}

/**
 * Wake the sleeper on `control[word]` if its announcement is `expected`. Returns whether it rang
 * (one `Atomics.notify`); the swap to 0 makes a second waker a no-op.
 */
export function ring(control: Int32Array, word: number, expected: number): boolean {
  if (Atomics.compareExchange(control, word, expected, 0) !== expected) return false;
  if (!wakeHere(control, word)) Atomics.notify(control, word);
  return true;
}

/** Wake whoever sleeps on `control[word]`, whatever it announced (close, abort). */
export function ringAlways(control: Int32Array, word: number): boolean {
  if (Atomics.exchange(control, word, 0) === 0) return false;
  if (!wakeHere(control, word)) Atomics.notify(control, word);
  return true;
}

/**
 * `Atomics.waitAsync` does not keep a thread's event loop alive (toolchain notes): a worker whose
 * only pending work is a ring wait would exit. While any wait on this thread is pending, one
 * referenced interval timer keeps the loop alive; ref/unref only flip a flag, so this is cheap.
 */
export const keepAlive = {
  holders: 0,
  timer: undefined as NodeJS.Timeout | undefined,
  hold(): void {
    if (keepAlive.holders++ === 0) (keepAlive.timer ??= setInterval(noop, 2 ** 31 - 1)).ref();
  },
  release(): void {
    if (--keepAlive.holders === 0) keepAlive.timer?.unref();
  },
};

function noop(): void {}
