/** The garbage flood's sender (garbageFlood.ts), in its own thread: posts once its sockets are open, stops on any message. */
import { parentPort, workerData } from 'node:worker_threads';
import { openUdpEndpoint, type UdpEndpoint } from '@kcptunb/udp';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { Rng } from '@kcptunb/testkit';

const TICK_MS = 5;
const BATCH = 64;

const o = workerData as { port: number; perSec: number; sources: number; seed?: number; count: Int32Array };
const kernels = loadKernels();
const rng = new Rng(o.seed ?? 11);
const endpoints: UdpEndpoint[] = [];
for (let i = 0; i < o.sources; i++) {
  endpoints.push(await openUdpEndpoint({ kernels, family: 4, bindAddress: '127.0.0.1', bindPort: 0, sockBuf: 4 << 20, dscp: 0, connect: { address: '127.0.0.1', port: o.port }, onReceive: () => {}, log: () => {} }));
}
const batch = new DatagramBatch(kernels, BATCH);
for (let i = 0; i < BATCH; i++) {
  const d = new Uint8Array(64 + rng.int(1400 - 64));
  for (let j = 0; j < d.length; j++) d[j] = rng.int(256);
  batch.push(d);
}
let sent = 0;
let next = 0;
const t0 = Date.now();
const timer = setInterval(() => {
  const due = Math.floor(((Date.now() - t0) * o.perSec) / 1000) - sent;
  // at most one second's worth per tick: a stalled sender does not burst afterwards
  for (let left = Math.min(due, o.perSec); left >= BATCH; left -= BATCH) {
    endpoints[next++ % endpoints.length]!.send(batch);
    sent += BATCH;
    Atomics.store(o.count, 0, sent);
  }
}, TICK_MS);
parentPort!.once('message', () => {
  clearInterval(timer);
  for (const e of endpoints) e.close();
  batch.dispose();
  parentPort!.close();
});
parentPort!.postMessage('ready');
