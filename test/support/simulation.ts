/**
 * The discrete-event loop that drives two endpoints over two LossyLinks on a
 * virtual clock. Endpoints are pure cores wrapped to expose `input`, `tick`
 * and `nextWakeAt`; the loop jumps the clock to the next event. Every run is
 * bounded in virtual time and in iterations.
 */
import type { LossyLink } from './lossyLink.js';

export interface SimEndpoint {
  /** A datagram arrived. */
  input(datagram: Uint8Array, now: number): void;
  /** Do whatever is due at `now` (timers, application reads and writes). */
  tick(now: number): void;
  /** The next virtual time this endpoint wants `tick` (Infinity = idle). */
  nextWakeAt(now: number): number;
}

export interface SimulationOptions {
  /** Stop when this returns true (checked after every event). */
  done: () => boolean;
  /** Virtual-time bound in ms. */
  maxVirtualMs: number;
  /** Iteration bound. */
  maxSteps?: number;
  startMs?: number;
}

export interface SimulationResult {
  virtualMs: number;
  steps: number;
  finished: boolean;
}

export function runSimulation(a: SimEndpoint, b: SimEndpoint, aToB: LossyLink, bToA: LossyLink, opts: SimulationOptions): SimulationResult {
  const start = opts.startMs ?? 0;
  let now = start;
  const maxSteps = opts.maxSteps ?? 50_000_000;
  let steps = 0;
  a.tick(now);
  b.tick(now);
  while (!opts.done()) {
    if (steps++ >= maxSteps || now - start > opts.maxVirtualMs) return { virtualMs: now - start, steps, finished: false };
    const next = Math.min(aToB.nextArrival(), bToA.nextArrival(), a.nextWakeAt(now), b.nextWakeAt(now));
    if (next === Infinity) return { virtualMs: now - start, steps, finished: false };
    // the clock is whole milliseconds, like kcp-go's
    now = Math.max(now, Math.ceil(next));
    for (let d = aToB.receive(now); d; d = aToB.receive(now)) b.input(d, now);
    for (let d = bToA.receive(now); d; d = bToA.receive(now)) a.input(d, now);
    a.tick(now);
    b.tick(now);
  }
  return { virtualMs: now - start, steps, finished: true };
}
