/**
 * Per-period SNMP rows over counters another thread keeps adding to.
 *
 * Zeroing shared counters while a worker does `values[i] += n` loses every
 * increment that lands between the reader's last look and the zeroing, so the
 * live counters are never written here: each row reads them once, and the
 * next period starts at exactly the values that row reported. Gauges are the
 * exception: CurrEstab is a level and reported as is; MaxConn, the peak of the
 * period, restarts from CurrEstab with one store (a peak, not a sum: a race
 * can only report a level CurrEstab really had).
 */
import { S, Snmp, SNMP_COUNTERS, type SnmpField } from './counters.js';

/** Counters that hold a level, not a running total. */
export const SNMP_GAUGES: readonly SnmpField[] = ['MaxConn', 'CurrEstab'];
const isGauge = SNMP_COUNTERS.map((name) => SNMP_GAUGES.includes(name));

export class SnmpPeriod {
  /** Live values when the period began. */
  private readonly baseline = new Float64Array(SNMP_COUNTERS.length);
  /** Live values the last row was computed from. */
  private readonly lastRead = new Float64Array(SNMP_COUNTERS.length);
  private readSinceRestart = false;

  /** `live`: the counters the owning thread adds to (usually backed by a SharedArrayBuffer). */
  constructor(readonly live: Snmp) {}

  /** Add this period's row so far into `into`: counters since the period began, gauges as they are. */
  addRowTo(into: Snmp): void {
    this.lastRead.set(this.live.values);
    this.readSinceRestart = true;
    for (let i = 0; i < SNMP_COUNTERS.length; i++) {
      into.values[i]! += isGauge[i] ? this.lastRead[i]! : this.lastRead[i]! - this.baseline[i]!;
    }
  }

  /** Begin a new period where the last row left off: what was counted after that read goes into the next row. */
  restart(): void {
    if (!this.readSinceRestart) this.lastRead.set(this.live.values);
    this.baseline.set(this.lastRead);
    this.readSinceRestart = false;
    this.live.values[S.MaxConn] = this.live.values[S.CurrEstab]!;
  }
}
