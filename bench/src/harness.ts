/** Timing helpers for the micro-benchmarks: warm up, then the median of several timed runs. */

export interface BenchRow {
  name: string;
  /** Nanoseconds per operation (per datagram, per group …; `unit` says which). */
  nsPerOp: number;
  /** Payload megabytes (10^6 bytes) per second. */
  mbPerSec: number;
  unit?: string;
}

/**
 * Time `fn`, which processes `bytesPerCall` bytes in `opsPerCall` operations.
 * Runs it for ~`runMs` per run, `runs` times, and reports the median run.
 */
export function measure(name: string, fn: () => void, opsPerCall: number, bytesPerCall: number, options: { runs?: number; runMs?: number; unit?: string } = {}): BenchRow {
  const runs = options.runs ?? 7;
  const runMs = options.runMs ?? 150;
  // warm-up and calibration: how many calls fill one run
  let calls = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms > runMs / 4) {
      calls = Math.max(1, Math.round((calls * runMs) / ms));
      break;
    }
    calls *= 2;
  }
  const perCall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  perCall.sort((a, b) => a - b);
  const ns = perCall[Math.floor(runs / 2)]!;
  return { name, nsPerOp: ns / opsPerCall, mbPerSec: (bytesPerCall / ns) * 1000, unit: options.unit ?? 'datagram' };
}

export function markdownTable(rows: BenchRow[]): string {
  const lines = ['| kernel | ns/op | MB/s |', '|---|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.nsPerOp.toFixed(0)} ${r.unit ? `/${r.unit}` : ''} | ${r.mbPerSec.toFixed(0)} |`);
  return lines.join('\n');
}
