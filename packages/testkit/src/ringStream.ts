/**
 * A deterministic stream of varied records for the ring tests, pushed with every producer API in
 * turn, and a SHA-256 over (length, payload) pairs so both ends can compare what crossed.
 * Shared by the ring tests, the duplex worker (ringDuplexWorker.ts) and the ring bench.
 */
import { createHash, type Hash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RingProducer } from '@kcptunb/ring';
import { Rng } from './random.js';

const POOL_BYTES = 1 << 20;

/** Records of random size (0, typical datagrams, up to the ring's maximum) sliced from a random pool. */
export class RecordStream {
  private readonly rng: Rng;
  private readonly pool: Uint8Array;

  constructor(
    seed: number,
    private readonly maxRecordBytes: number,
  ) {
    this.rng = new Rng(seed);
    this.pool = this.rng.fill(new Uint8Array(POOL_BYTES + maxRecordBytes));
  }

  next(): Uint8Array {
    const pick = this.rng.int(100);
    const max = this.maxRecordBytes;
    const size =
      pick < 8 ? 0 : pick < 50 ? 1 + this.rng.int(1500) : pick < 70 ? 1350 : pick < 88 ? this.rng.int(16384) : pick < 97 ? this.rng.int(max + 1) : max;
    const bounded = Math.min(size, max);
    const at = this.rng.int(POOL_BYTES);
    return this.pool.subarray(at, at + bounded);
  }
}

/** SHA-256 of the record sequence; small records are staged so the hash sees few large updates. */
export class StreamHasher {
  records = 0;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly stage = new Uint8Array(1 << 16);
  private readonly stageWords = new DataView(this.stage.buffer);
  private staged = 0;

  add(record: Uint8Array): void {
    this.records++;
    this.bytes += record.length;
    if (this.staged + 4 + record.length > this.stage.length) this.flush();
    this.stageWords.setUint32(this.staged, record.length, true);
    this.staged += 4;
    if (record.length > this.stage.length - this.staged) {
      this.flush();
      this.hash.update(record);
      return;
    }
    this.stage.set(record, this.staged);
    this.staged += record.length;
  }

  summary(): StreamSummary {
    this.flush();
    return { records: this.records, bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
  }

  private flush(): void {
    if (this.staged > 0) this.hash.update(this.stage.subarray(0, this.staged));
    this.staged = 0;
  }
}

export interface StreamSummary {
  records: number;
  bytes: number;
  sha256: string;
}

/**
 * Push records from `stream` until `totalBytes` of payload went in, rotating tryPush / tryPushv /
 * reserve+commit / tryPushMany; wait for space when full; yield to the event loop now and then so
 * a consumer on the same thread keeps running; then close. Throws past `deadline` (ms epoch).
 */
export async function produceStream(producer: RingProducer, stream: RecordStream, totalBytes: number, deadline: number): Promise<StreamSummary> {
  const sent = new StreamHasher();
  let pending: Uint8Array | undefined;
  let turn = 0;
  let sinceYield = 0;
  const batch: Uint8Array[] = [];
  while (sent.bytes < totalBytes) {
    if ((turn & 63) === 0 && Date.now() > deadline) throw new Error(`produceStream: deadline passed after ${sent.records} records`);
    const record = pending ?? stream.next();
    let pushed: boolean;
    switch (turn++ & 3) {
      case 0:
        pushed = producer.tryPush(record);
        break;
      case 1: {
        const cut = record.length >> 1;
        pushed = producer.tryPushv([record.subarray(0, cut), new Uint8Array(0), record.subarray(cut)]);
        break;
      }
      case 2: {
        // Reserve more than needed (a socket read into the ring), commit the actual length.
        const view = producer.reserve(Math.min(producer.maxRecordBytes, record.length + 61));
        pushed = view !== undefined;
        if (view) {
          view.set(record);
          producer.commit(record.length);
        }
        break;
      }
      default: {
        batch.length = 0;
        batch.push(record);
        for (let i = 0; i < 7 && sent.bytes + record.length < totalBytes; i++) batch.push(stream.next());
        const n = producer.tryPushMany(batch);
        for (let i = 0; i < n; i++) sent.add(batch[i]!);
        // Records that did not fit go one by one through the other paths, in order.
        for (let i = n; i < batch.length; i++) {
          while (!producer.tryPush(batch[i]!)) {
            if (Date.now() > deadline) throw new Error('produceStream: deadline passed waiting for space');
            await producer.waitForSpace(batch[i]!.length);
          }
          sent.add(batch[i]!);
        }
        pending = undefined;
        continue;
      }
    }
    if (pushed) {
      sent.add(record);
      pending = undefined;
      if (++sinceYield >= 64) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    } else {
      pending = record;
      await producer.waitForSpace(record.length);
    }
  }
  producer.close();
  return sent.summary();
}
