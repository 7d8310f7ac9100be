/**
 * Worker side of `ringDuplex` (compiled to packages/testkit/dist/ringDuplexWorker.js):
 * consume `toWorker` and produce a record stream into `fromWorker`, at the same time,
 * then report both summaries and the doorbell counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingConsumer, RingProducer } from '@kcptunb/ring';
import { produceStream, RecordStream, StreamHasher, type StreamSummary } from './ringStream.js';

export interface RingDuplexWorkerData {
  toWorker: SharedArrayBuffer;
  fromWorker: SharedArrayBuffer;
  seed: number;
  totalBytes: number;
  /** ms epoch after which the producer gives up. */
  deadline: number;
}

export interface RingDuplexWorkerReport {
  received: StreamSummary;
  sent: StreamSummary;
  consumerSleeps: number;
  producerNotifies: number;
}

const d = workerData as RingDuplexWorkerData;
const consumer = new RingConsumer(d.toWorker);
const producer = new RingProducer(d.fromWorker);
const received = new StreamHasher();
const [, sent] = await Promise.all([consumer.run((record) => received.add(record)), produceStream(producer, new RecordStream(d.seed, producer.maxRecordBytes), d.totalBytes, d.deadline)]);
const report: RingDuplexWorkerReport = { received: received.summary(), sent, consumerSleeps: consumer.sleepCount, producerNotifies: producer.notifyCount };
parentPort!.postMessage(report);
