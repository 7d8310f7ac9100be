/**
 * Reed–Solomon micro-benchmark: kcptun's default 10+3 group of 1350-byte shards, encoded and
 * reconstructed through the WebAssembly codec (SIMD and scalar kernels) and encoded by the
 * naive TypeScript reference as the baseline. MB/s counts data bytes (10 × 1350 per group).
 * Each figure is the median of several timed runs after a warm-up.
 */
import { loadKernels, type Kernels, type KernelVariant } from '@kcptunb/wasm';
import { ReedSolomon } from '@kcptunb/fec';
import { buildCodingMatrix, multiplyShards } from '@kcptunb/reference';

export interface RsBenchResult {
  name: string;
  nsPerOp: number;
  mbPerSec: number;
}

const DATA_SHARDS = 10;
const PARITY_SHARDS = 3;
const SHARD_BYTES = 1350;
const GROUP_DATA_BYTES = DATA_SHARDS * SHARD_BYTES;
const RUNS = 7;
/** Target duration of one timed run. */
const RUN_MS = 40;

function randomShard(seed: number): Uint8Array {
  const s = new Uint8Array(SHARD_BYTES);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < s.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s[i] = x >>> 24;
  }
  return s;
}

/** Median ns per call of `op`, iterations calibrated so a run lasts about RUN_MS. */
function measure(op: () => void): number {
  let iterations = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) op();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= RUN_MS / 4) {
      iterations = Math.max(1, Math.round((iterations * RUN_MS) / ms));
      break;
    }
    iterations *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) op();
    samples.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

function result(name: string, nsPerOp: number): RsBenchResult {
  return { name, nsPerOp, mbPerSec: (GROUP_DATA_BYTES / nsPerOp) * 1e3 };
}

/** One 10+3 group in kernel memory, encoded once so reconstruction has real parity. */
function codecCase(variant: KernelVariant): { kernels: Kernels; rs: ReedSolomon; ptrs: number[] } {
  const kernels = loadKernels({ variant });
  const rs = new ReedSolomon(kernels, DATA_SHARDS, PARITY_SHARDS);
  const ptrs = Array.from({ length: DATA_SHARDS + PARITY_SHARDS }, () => kernels.alloc(SHARD_BYTES, 16));
  for (let i = 0; i < DATA_SHARDS; i++) kernels.bytes().set(randomShard(i), ptrs[i]!);
  rs.encode(ptrs.slice(0, DATA_SHARDS), ptrs.slice(DATA_SHARDS), SHARD_BYTES);
  return { kernels, rs, ptrs };
}

export function benchReedSolomon(): RsBenchResult[] {
  const results: RsBenchResult[] = [];
  for (const variant of ['simd', 'scalar'] as const) {
    const { rs, ptrs } = codecCase(variant);
    const dataPtrs = ptrs.slice(0, DATA_SHARDS);
    const parityPtrs = ptrs.slice(DATA_SHARDS);
    results.push(result(`rs 10+3 encode ${variant}`, measure(() => rs.encode(dataPtrs, parityPtrs, SHARD_BYTES))));
    for (const lost of [1, 2, 3]) {
      // Data shards 0..lost-1 missing; the first `lost` parity shards stand in for them.
      const present = ptrs.map((_, i) => i >= lost);
      results.push(result(`rs 10+3 reconstruct ${lost} lost ${variant}`, measure(() => rs.reconstruct(ptrs, present, SHARD_BYTES))));
    }
  }
  const parityRows = buildCodingMatrix(DATA_SHARDS, PARITY_SHARDS).slice(DATA_SHARDS);
  const data = Array.from({ length: DATA_SHARDS }, (_, i) => randomShard(i));
  results.push(result('rs 10+3 encode naive-ts', measure(() => multiplyShards(parityRows, data, SHARD_BYTES))));
  return results;
}
