/**
 * One end of the ring benchmark (compiled to bench/dist/ringWorker.js): a producer that sends
 * `records` 1350-byte records per 'go' message, or a consumer that reports 'done' after each
 * `records` it received. Over a ring (`@kcptunb/ring`) or over a MessagePort (the baseline).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { RingConsumer, RingProducer } from '@kcptunb/ring';

export type RingBenchRole =
  | { role: 'ring-producer'; sab: SharedArrayBuffer; batch: number; records: number; recordBytes: number }
  | { role: 'ring-consumer'; sab: SharedArrayBuffer; batch: number; records: number }
  | { role: 'port-producer'; port: MessagePort; batch: number; records: number; recordBytes: number }
  | { role: 'port-consumer'; port: MessagePort; records: number };

/** postMessage baseline: at most this many records in flight; the consumer acknowledges every ACK_EVERY. */
export const PORT_WINDOW = 4096;
export const ACK_EVERY = 256;

const data = workerData as RingBenchRole;
const parent = parentPort!;

function source(recordBytes: number): Uint8Array {
  const record = new Uint8Array(recordBytes);
  for (let i = 0; i < recordBytes; i++) record[i] = i * 7;
  return record;
}

if (data.role === 'ring-producer') {
  const producer = new RingProducer(data.sab);
  const record = source(data.recordBytes);
  const batch = Array.from({ length: data.batch }, () => record.slice()); // distinct: a clone would dedupe repeats
  const { records } = data;
  parent.on('message', async () => {
    let sent = 0;
    while (sent < records) {
      const want = Math.min(data.batch, records - sent);
      const pushed = data.batch === 1 ? (producer.tryPush(record) ? 1 : 0) : producer.tryPushMany(batch, 0, want);
      sent += pushed;
      // Full: sleep until a whole batch fits (one wake-up per batch, not per record).
      if (pushed < want) await producer.waitForSpace(Math.min(producer.maxRecordBytes, (want - pushed) * (data.recordBytes + 4)));
    }
    parent.postMessage({ sent, producerSleeps: producer.sleepCount, notifies: producer.notifyCount });
  });
  parent.postMessage('ready');
} else if (data.role === 'ring-consumer') {
  const consumer = new RingConsumer(data.sab);
  let count = 0;
  let checksum = 0;
  const { records } = data;
  void consumer.run(
    (record) => {
      checksum = (checksum + record.length + record[record.length - 1]!) | 0; // touch the bytes
      if (++count === records) {
        count = 0;
        parent.postMessage({ done: true, checksum, consumerSleeps: consumer.sleepCount });
      }
    },
    { maxRecordsPerDrain: data.batch },
  );
  parent.postMessage('ready');
} else if (data.role === 'port-producer') {
  const { port, records } = data;
  const record = source(data.recordBytes);
  const batch = Array.from({ length: data.batch }, () => record.slice()); // distinct: a clone would dedupe repeats
  let sent = 0;
  let acked = 0;
  let wake: (() => void) | undefined;
  port.on('message', (total: number) => {
    acked = total;
    wake?.();
  });
  parent.on('message', async () => {
    const end = sent + records;
    while (sent < end) {
      while (sent - acked >= PORT_WINDOW) await new Promise<void>((resolve) => (wake = resolve));
      if (data.batch === 1) {
        port.postMessage(record); // structured clone: one copy into the message
        sent++;
      } else {
        port.postMessage(batch);
        sent += batch.length;
      }
    }
    parent.postMessage({ sent });
  });
  parent.postMessage('ready');
} else {
  const { port, records } = data;
  let total = 0;
  let count = 0;
  let checksum = 0;
  const receive = (record: Uint8Array) => {
    checksum = (checksum + record.length + record[record.length - 1]!) | 0;
    total++;
    if (total % ACK_EVERY === 0) port.postMessage(total);
    if (++count === records) {
      count = 0;
      parent.postMessage({ done: true, checksum });
    }
  };
  port.on('message', (message: Uint8Array | Uint8Array[]) => {
    if (Array.isArray(message)) for (const record of message) receive(record);
    else receive(message);
  });
  parent.postMessage('ready');
}
