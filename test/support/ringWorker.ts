/**
 * Worker side of the cross-thread ring tests (compiled to test/dist/support/ringWorker.js).
 * `workerData.mode` picks the scenario; results come back with postMessage. (The two-way
 * stream runs on @kcptunb/testkit's ringDuplex worker.)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingConsumer, RingProducer } from '@kcptunb/ring';

export type RingWorkerData =
  /** Sleep on an empty ring, report, then (told to) drain and report what arrived. */
  | { mode: 'doorbell'; toWorker: SharedArrayBuffer }
  /** Sleep for data on `toWorker`, and for space on a full `fromWorker`; report each wake-up. */
  | { mode: 'close'; toWorker: SharedArrayBuffer; fromWorker: SharedArrayBuffer };

const data = workerData as RingWorkerData;
const port = parentPort!;

async function doorbell(d: Extract<RingWorkerData, { mode: 'doorbell' }>): Promise<void> {
  const consumer = new RingConsumer(d.toWorker);
  await consumer.waitForData(); // the main thread checks the sleeping flag, then pushes one record
  port.postMessage({ woke: true, sleeps: consumer.sleepCount });
  await new Promise((resolve) => port.once('message', resolve)); // main pushes more while we are awake
  let records = 0;
  for (let i = 0; i < 1000 && consumer.hasData; i++) records += consumer.drain(() => {});
  port.postMessage({ records });
}

async function close(d: Extract<RingWorkerData, { mode: 'close' }>): Promise<void> {
  const consumer = new RingConsumer(d.toWorker);
  await consumer.waitForData();
  port.postMessage({ dataWaitEnded: true, closed: consumer.closed, closedByProducer: consumer.closedByProducer, hasData: consumer.hasData });
  const producer = new RingProducer(d.fromWorker);
  const record = new Uint8Array(100);
  for (let i = 0; i < 100_000 && producer.tryPush(record); i++);
  await producer.waitForSpace(record.length);
  port.postMessage({ spaceWaitEnded: true, closed: producer.closed, closedByConsumer: producer.closedByConsumer });
}

const scenarios = { doorbell, close } as const;
await (scenarios[data.mode] as (d: RingWorkerData) => Promise<void>)(data);
