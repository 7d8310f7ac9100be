/**
 * The replay flood's sender (testkit replayFlood: recorded datagrams from many source ports), in a
 * thread of its own, as the garbage flood's: in the bench's main thread its thousands of sends a
 * second shared the event loop with the transfer being measured. Posts once its sockets are open,
 * stops on any message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { replayFlood } from '@kcptunb/testkit';

const o = workerData as { datagrams: Uint8Array[]; ports: number; port: number; intervalMs: number; count: Int32Array };
const flood = await replayFlood(o.datagrams.map((d) => Buffer.from(d)), o.ports, o.port, o.intervalMs);
const timer = setInterval(() => Atomics.store(o.count, 0, flood.sent()), 50);
parentPort!.once('message', async () => {
  clearInterval(timer);
  Atomics.store(o.count, 0, flood.sent());
  await flood.stop();
  parentPort!.close();
});
parentPort!.postMessage('ready');
