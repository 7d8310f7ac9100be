/**
 * Same-thread doorbells. When both ends of a ring live on one thread (the data plane inline on
 * the control thread, KCPTUNB_SHARDS=0), `Atomics.waitAsync` + `notify` would still cost a V8
 * platform task, an eventfd write and read and an extra event-loop turn per wake-up, on the very
 * thread that rang. Here the waker calls the sleeper's resolver directly instead.
 *
 * Every ring carries an id (two control words, stamped by `RingBuffer.create`). Each thread keeps
 * which ring ends it holds, by id; a sleeper sleeps here only when the other end is on its own
 * thread — then nothing but this thread can ring it. A waker that finds no sleeper registered
 * here notifies through Atomics as before, so a ring whose other end is on another thread (or
 * that has no id) behaves exactly as without this file. The registry lives on `globalThis`, so
 * every copy of this module loaded on one thread (a bundle's chunks) shares it.
 */
import { threadId } from 'node:worker_threads';
import { CONSUMER_SLEEPING, RING_ID } from './layout.js';

interface ThreadRings {
  /** Ring id → the ends held on this thread (bit 1: producer, bit 2: consumer). */
  ends: Map<number, number>;
  /** (ring id, doorbell word) → the resolver of the sleep pending on it. */
  sleepers: Map<number, () => void>;
  /** The last ring id this thread stamped. */
  stamped: number;
}

const REGISTRY = Symbol.for('@kcptunb/ring same-thread doorbells');
const registry: ThreadRings = ((globalThis as Record<symbol, ThreadRings | undefined>)[REGISTRY] ??= { ends: new Map(), sleepers: new Map(), stamped: 0 });

/** Give a new ring its id: (creating thread, that thread's counter), unique in the process. */
export function stampRing(control: Int32Array): void {
  control[RING_ID] = threadId + 1;
  control[RING_ID + 1] = ++registry.stamped;
}

/** The ring's id as one number; 0 when it has none. */
function ringKey(control: Int32Array): number {
  const thread = control[RING_ID]!;
  return thread === 0 ? 0 : thread * 2 ** 32 + (control[RING_ID + 1]! >>> 0);
}

function sleeperKey(key: number, word: number): number {
  return key * 2 + (word === CONSUMER_SLEEPING ? 0 : 1);
}

/** A ring end (`bit` 1: producer, 2: consumer) is in use on this thread. */
export function holdEnd(control: Int32Array, bit: number): void {
  const key = ringKey(control);
  if (key !== 0) registry.ends.set(key, (registry.ends.get(key) ?? 0) | bit);
}

/** A ring end on this thread is closed: it sleeps and rings no more. */
export function dropEnd(control: Int32Array, bit: number): void {
  const key = ringKey(control);
  if (key === 0) return;
  const left = (registry.ends.get(key) ?? 0) & ~bit;
  if (left === 0) registry.ends.delete(key);
  else registry.ends.set(key, left);
}

/** Both ends of the ring are in use on this thread. */
export function bothEndsHere(control: Int32Array): boolean {
  const key = ringKey(control);
  return key !== 0 && registry.ends.get(key) === 3;
}

/**
 * Register `onWake` as the sleep on `control[word]`, called by this thread's waker, when both
 * ends of the ring are on this thread; false otherwise (the caller waits on Atomics).
 */
export function sleepHere(control: Int32Array, word: number, onWake: () => void): boolean {
  if (!bothEndsHere(control)) return false;
  const key = ringKey(control);
  const k = sleeperKey(key, word);
  // one sleep per word at a time; a stale one settles (spuriously: its owner re-checks)
  const stale = registry.sleepers.get(k);
  registry.sleepers.set(k, onWake);
  stale?.();
  return true;
}

/** Wake the sleep registered here on `control[word]`; false when there is none (notify instead). */
export function wakeHere(control: Int32Array, word: number): boolean {
  const key = ringKey(control);
  if (key === 0 || registry.sleepers.size === 0) return false;
  const k = sleeperKey(key, word);
  const resolve = registry.sleepers.get(k);
  if (!resolve) return false;
  registry.sleepers.delete(k);
  resolve();
  return true;
}
