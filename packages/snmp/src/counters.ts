/**
 * kcptun's 24 SNMP counters (docs/protocol.md §7.6). Each protocol core increments the
 * counters it owns on a shared `Snmp`; the data-plane shards keep theirs in a
 * SharedArrayBuffer so the control thread can sum them without messages.
 */

/** Counter names in kcptun's CSV (`--snmplog`) order. */
export const SNMP_FIELDS = [
  'BytesSent',
  'BytesReceived',
  'MaxConn',
  'ActiveOpens',
  'PassiveOpens',
  'CurrEstab',
  'InErrs',
  'InCsumErrors',
  'KCPInErrors',
  'InPkts',
  'OutPkts',
  'InSegs',
  'OutSegs',
  'InBytes',
  'OutBytes',
  'RetransSegs',
  'FastRetransSegs',
  'EarlyRetransSegs',
  'LostSegs',
  'RepeatSegs',
  'FECParityShards',
  'FECErrs',
  'FECRecovered',
  'FECShortShards',
] as const;

/**
 * kcptunb's own counters, kept after kcptun's 24 in the same buffer. They are not part of the
 * SIGUSR1 `KCP SNMP` line or the `--snmplog` CSV (both stay byte-for-byte kcptun's); SIGUSR1
 * prints them on a second line (docs/deviations.md).
 */
export const KCPTUNB_FIELDS = [
  /** Datagrams that decrypted but carried a nonce already seen (replays), dropped. */
  'ReplayDrops',
  /** First datagrams of would-be new sessions refused by admission (rate limits, full cap). */
  'AdmissionDrops',
  /** Sessions that never carried smux traffic, ended to make room for a newcomer. */
  'IdleEvictions',
  /** Shells the scheduler's audit found able to progress with nothing set to run them (0 unless a bug). */
  'MissedWakeups',
] as const;

/** Every counter of an `Snmp`: kcptun's, then kcptunb's. */
export const SNMP_COUNTERS = [...SNMP_FIELDS, ...KCPTUNB_FIELDS] as const;

export type SnmpField = (typeof SNMP_COUNTERS)[number];

/** Index of every counter in `Snmp.values`: `snmp.values[S.InErrs]++`. */
export const S: Readonly<Record<SnmpField, number>> = Object.freeze(
  Object.fromEntries(SNMP_COUNTERS.map((name, i) => [name, i])) as Record<SnmpField, number>,
);

/** Order of the fields in the SIGUSR1 line (Go struct order; the last four differ from CSV). */
export const SNMP_STRUCT_ORDER: readonly (typeof SNMP_FIELDS)[number][] = [
  ...SNMP_FIELDS.slice(0, 20),
  'FECRecovered',
  'FECErrs',
  'FECParityShards',
  'FECShortShards',
];

export class Snmp {
  /** Counter values by `S` index. Doubles: exact up to 2^53. */
  readonly values: Float64Array;

  constructor(buffer?: ArrayBufferLike) {
    this.values = buffer ? new Float64Array(buffer, 0, SNMP_COUNTERS.length) : new Float64Array(SNMP_COUNTERS.length);
  }

  /** Bytes needed to back an `Snmp` in a (shared) buffer. */
  static readonly BYTES = SNMP_COUNTERS.length * 8;

  get(field: SnmpField): number {
    return this.values[S[field]]!;
  }

  add(field: SnmpField, n = 1): void {
    this.values[S[field]]! += n;
  }

  /** A plain object copy of every counter. */
  snapshot(): Record<SnmpField, number> {
    const out = {} as Record<SnmpField, number>;
    SNMP_COUNTERS.forEach((name, i) => (out[name] = this.values[i]!));
    return out;
  }
}
