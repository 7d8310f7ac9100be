/**
 * A garbage flood for bench:flood: random datagrams (seeded, 64–1,400 bytes) from `sources` UDP
 * ports, sent in sendmmsg batches through the project's own endpoint so that the sender, which
 * shares the machine with the tunnel, spends as little CPU per datagram as it can. Paced by a
 * 5 ms tick towards `perSec`; what was actually sent is reported (the kernel may refuse some).
 * It runs in a worker thread of its own: on loopback a send also does the receiver's kernel work,
 * and a sender that fell behind sends up to a second's worth per tick — in the bench's main
 * thread that stalled the echo target and the transfer it measures.
 */
import { Worker } from 'node:worker_threads';

export interface GarbageFloodOptions {
  port: number;
  perSec: number;
  sources: number;
  seed?: number;
}

export function garbageFlood(o: GarbageFloodOptions): Promise<FloodSender> {
  return floodInWorker(new URL('./garbageFloodWorker.js', import.meta.url), o);
}

export interface FloodSender {
  stop: () => Promise<void>;
  sent: () => number;
}

/** A flood's sender in a worker thread: `data` plus a shared counter of what it sent; ready once it posts. */
export async function floodInWorker(url: URL, data: object): Promise<FloodSender> {
  const count = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(url, { workerData: { ...data, count } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return {
    sent: () => Atomics.load(count, 0),
    stop: async () => {
      worker.postMessage('stop');
      await exited;
    },
  };
}
