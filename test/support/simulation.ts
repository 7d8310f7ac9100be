/**
 * The discrete-event loop that drives endpoints over one-way LossyLinks on a
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
  return runNetwork(
    [a, b],
    [
      { link: aToB, to: b },
      { link: bToA, to: a },
    ],
    opts,
  );
}

/** A one-way path: what `link` delivers goes to `to`. */
export interface Route {
  link: LossyLink;
  to: SimEndpoint;
}

/** Any number of endpoints and one-way links on one virtual clock (e.g. two tunnels sharing a shard). */
export function runNetwork(ends: readonly SimEndpoint[], routes: readonly Route[], opts: SimulationOptions): SimulationResult {
  const start = opts.startMs ?? 0;
  let now = start;
  const maxSteps = opts.maxSteps ?? 50_000_000;
  let steps = 0;
  for (const e of ends) e.tick(now);
  while (!opts.done()) {
    if (steps++ >= maxSteps || now - start > opts.maxVirtualMs) return { virtualMs: now - start, steps, finished: false };
    let next = Infinity;
    for (const r of routes) next = Math.min(next, r.link.nextArrival());
    for (const e of ends) next = Math.min(next, e.nextWakeAt(now));
    if (next === Infinity) return { virtualMs: now - start, steps, finished: false };
    // the clock is whole milliseconds, like kcp-go's
    now = Math.max(now, Math.ceil(next));
    for (const r of routes) for (let d = r.link.receive(now); d; d = r.link.receive(now)) r.to.input(d, now);
    for (const e of ends) e.tick(now);
  }
  return { virtualMs: now - start, steps, finished: true };
}
