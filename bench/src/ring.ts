/**
 * Ring throughput between two worker threads: 1350-byte records (one KCP datagram's worth) from a
 * producer worker to a consumer worker, through `@kcptunb/ring` with batches of 1, 16 and 64
 * records per publish and per drain, against `postMessage` of a Uint8Array (the baseline; also an
 * array of 64 per message). Each configuration keeps its two workers for a warm-up run and
 * `runs` timed runs; the row is the median run. Then both directions at once: main thread ⇄ one
 * worker, varied records (0 B to the ring maximum) pushed with every producer API, 64 KiB rings —
 * the ring tests' two-way stream (@kcptunb/testkit ringDuplex), timed here instead of in a test.
 *
 * Usage: node bench/dist/ring.js [--quick]
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { cpus } from 'node:os';
import { RingBuffer } from '@kcptunb/ring';
import { ringDuplex } from '@kcptunb/testkit';
import { markdownTable, type BenchRow } from './harness.js';
import type { RingBenchRole } from './ringWorker.js';

const WORKER_URL = new URL('./ringWorker.js', import.meta.url);
const RECORD_BYTES = 1350;
const RING_BYTES = 1 << 20;

interface Pair {
  producer: Worker;
  consumer: Worker;
}

function spawn(role: RingBenchRole, transfer: readonly import('node:worker_threads').Transferable[] = []): Promise<Worker> {
  const worker = new Worker(WORKER_URL, { workerData: role, transferList: transfer as never });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m) => (m === 'ready' ? resolve(worker) : reject(new Error(`unexpected ${String(m)}`))));
  });
}

/** Wait for the next message from `worker` matching `accept`, or fail after `ms`. */
function nextMessage(worker: Worker, accept: (m: any) => boolean, ms: number): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', on);
      reject(new Error(`ring bench: no message within ${ms} ms`));
    }, ms);
    const on = (m: unknown) => {
      if (!accept(m)) return;
      clearTimeout(timer);
      worker.off('message', on);
      resolve(m);
    };
    worker.on('message', on);
  });
}

async function startPair(kind: 'ring' | 'port', batch: number, records: number): Promise<Pair> {
  if (kind === 'ring') {
    const sab = RingBuffer.create(RING_BYTES);
    const [consumer, producer] = await Promise.all([
      spawn({ role: 'ring-consumer', sab, batch, records }),
      spawn({ role: 'ring-producer', sab, batch, records, recordBytes: RECORD_BYTES }),
    ]);
    return { producer, consumer };
  }
  const { port1, port2 } = new MessageChannel();
  const [consumer, producer] = await Promise.all([
    spawn({ role: 'port-consumer', port: port2 as never, records }, [port2 as never]),
    spawn({ role: 'port-producer', port: port1 as never, batch, records, recordBytes: RECORD_BYTES }, [port1 as never]),
  ]);
  return { producer, consumer };
}

/** One timed run: 'go' to the producer, until the consumer has all `records`. Returns seconds. */
async function timedRun(pair: Pair): Promise<number> {
  const done = nextMessage(pair.consumer, (m) => typeof m === 'object' && m !== null && 'done' in m, 60_000);
  const sent = nextMessage(pair.producer, (m) => typeof m === 'object' && m !== null && 'sent' in m, 60_000);
  const t0 = performance.now();
  pair.producer.postMessage('go');
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await sent;
  return seconds;
}

async function measurePair(name: string, kind: 'ring' | 'port', batch: number, records: number, runs: number): Promise<BenchRow> {
  const pair = await startPair(kind, batch, records);
  try {
    await timedRun(pair); // warm-up: JIT, page faults in the ring
    const seconds: number[] = [];
    for (let r = 0; r < runs; r++) seconds.push(await timedRun(pair));
    seconds.sort((a, b) => a - b);
    const median = seconds[Math.floor(runs / 2)]!;
    return { name, nsPerOp: (median * 1e9) / records, mbPerSec: (records * RECORD_BYTES) / median / 1e6, unit: 'record' };
  } finally {
    await Promise.all([pair.producer.terminate(), pair.consumer.terminate()]);
  }
}

/** Both directions at once, `mib` MiB each way: the median of `runs` runs after a warm-up. */
async function measureDuplex(mib: number, runs: number): Promise<BenchRow> {
  const totalBytes = mib * 2 ** 20;
  const once = async () => {
    const r = await ringDuplex({ totalBytes, timeoutMs: 120_000 });
    if (r.workerReceived.sha256 !== r.sent.sha256 || r.received.sha256 !== r.workerSent.sha256) throw new Error('ring duplex: the streams differ at the far ends');
    return r;
  };
  await once();
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  results.sort((a, b) => a.seconds - b.seconds);
  const m = results[Math.floor(runs / 2)]!;
  const records = m.sent.records + m.received.records;
  const bytes = m.sent.bytes + m.received.bytes;
  const name = `ring duplex main ⇄ worker, varied records, ${mib} MiB each way (notifies ${m.mainNotifies} + ${m.workerNotifies})`;
  return { name, nsPerOp: (m.seconds * 1e9) / records, mbPerSec: bytes / m.seconds / 1e6, unit: 'record' };
}

/** msgs/s = 1e9 / nsPerOp. */
export async function benchRing(options: { quick?: boolean; runs?: number } = {}): Promise<Array<{ name: string; nsPerOp: number; mbPerSec: number; unit?: string }>> {
  const runs = Math.max(5, options.runs ?? 7);
  const scale = options.quick ? 0.25 : 1;
  const ringRecords = Math.round(300_000 * scale);
  const portRecords = Math.round(100_000 * scale);
  const rows: BenchRow[] = [];
  for (const batch of [1, 16, 64]) rows.push(await measurePair(`ring, batch ${batch} (1350 B records)`, 'ring', batch, ringRecords, runs));
  rows.push(await measurePair('postMessage(Uint8Array) (baseline)', 'port', 1, portRecords, runs));
  rows.push(await measurePair('postMessage(64 × Uint8Array)', 'port', 64, portRecords, runs));
  rows.push(await measureDuplex(options.quick ? 64 : 256, options.quick ? 3 : 5));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const rows = await benchRing({ quick });
  const withRate = rows.map((r) => ({ ...r, name: `${r.name} — ${(1e3 / r.nsPerOp).toFixed(2)} M msgs/s` }));
  console.log(`# Ring benchmark\n\nnode ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}; 1350-byte records between two workers; medians.\n`);
  console.log(markdownTable(withRate));
}
