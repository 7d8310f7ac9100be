/** The FEC settings a tunnel is configured with (`--datashard`, `--parityshard`; docs/protocol.md §2.1). */
import { InvalidFecSettingsError } from './errors.js';
import { MAX_TOTAL_SHARDS } from './header.js';

export interface FecSettings {
  /** Reed–Solomon data shards per group; 0 (or parityShards 0) sends without FEC. */
  dataShards: number;
  parityShards: number;
}

/** Check the shard counts; the InvalidFecSettingsError names the field. */
export function verifyFecSettings(s: FecSettings): FecSettings {
  for (const field of ['dataShards', 'parityShards'] as const) {
    const v = s[field];
    if (!Number.isInteger(v) || v < 0 || v > MAX_TOTAL_SHARDS) throw new InvalidFecSettingsError(field, v, `an integer in [0, ${MAX_TOTAL_SHARDS}]`);
  }
  // one group is at most 256 shards: GF(2^8) has no more distinct evaluation points
  if (s.dataShards + s.parityShards > MAX_TOTAL_SHARDS) {
    throw new InvalidFecSettingsError('parityShards', s.parityShards, `at most ${MAX_TOTAL_SHARDS - s.dataShards} with ${s.dataShards} data shards (together at most ${MAX_TOTAL_SHARDS})`);
  }
  return s;
}
