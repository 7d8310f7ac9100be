/**
 * Two record streams through `@kcptunb/ring` at once, main thread ⇄ one worker:
 * the ring tests assert that every record arrives in order on both ends, the ring
 * bench reports how fast. Bounded: past `timeoutMs` it rejects and the worker is terminated.
 */
import { Worker } from 'node:worker_threads';
import { RingBuffer, RingConsumer, RingProducer } from '@kcptunb/ring';
import type { RingDuplexWorkerData, RingDuplexWorkerReport } from './ringDuplexWorker.js';
import { produceStream, RecordStream, StreamHasher, type StreamSummary } from './ringStream.js';

const WORKER_URL = new URL('./ringDuplexWorker.js', import.meta.url);

export interface RingDuplexResult {
  /** What the main thread sent, and what the worker says it received. */
  sent: StreamSummary;
  workerReceived: StreamSummary;
  /** What the worker sent, and what the main thread received. */
  workerSent: StreamSummary;
  received: StreamSummary;
  seconds: number;
  mainNotifies: number;
  mainSleeps: number;
  workerNotifies: number;
  workerSleeps: number;
}

export async function ringDuplex(opts: { totalBytes: number; ringBytes?: number; seeds?: [number, number]; timeoutMs: number }): Promise<RingDuplexResult> {
  const ringBytes = opts.ringBytes ?? 1 << 16;
  const [mainSeed, workerSeed] = opts.seeds ?? [1, 2];
  const toWorker = RingBuffer.create(ringBytes);
  const fromWorker = RingBuffer.create(ringBytes);
  const deadline = Date.now() + opts.timeoutMs;
  const data: RingDuplexWorkerData = { toWorker, fromWorker, seed: workerSeed, totalBytes: opts.totalBytes, deadline };
  const started = performance.now();
  const worker = new Worker(WORKER_URL, { workerData: data });
  let timer: NodeJS.Timeout | undefined;
  try {
    const report = new Promise<RingDuplexWorkerReport>((resolve, reject) => {
      worker.once('message', (m) => resolve(m as RingDuplexWorkerReport));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`ring duplex worker exited (${code}) before reporting`)));
    });
    const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`ring duplex: not done within ${opts.timeoutMs} ms`)), opts.timeoutMs)));
    const producer = new RingProducer(toWorker);
    const consumer = new RingConsumer(fromWorker);
    const received = new StreamHasher();
    const [sent, , worked] = await Promise.race([Promise.all([produceStream(producer, new RecordStream(mainSeed, producer.maxRecordBytes), opts.totalBytes, deadline), consumer.run((r) => received.add(r)), report]), hang]);
    return {
      sent,
      workerReceived: worked.received,
      workerSent: worked.sent,
      received: received.summary(),
      seconds: (performance.now() - started) / 1000,
      mainNotifies: producer.notifyCount,
      mainSleeps: consumer.sleepCount,
      workerNotifies: worked.producerNotifies,
      workerSleeps: worked.consumerSleeps,
    };
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
