/**
 * Typed errors of the FEC package, so callers and tests match on the class (or `code`),
 * never on message text.
 */

/** Reed–Solomon needs ds > 0, ps > 0 and ds + ps ≤ 256 (docs/protocol.md §2.1). */
export class InvalidShardCountError extends Error {
  readonly code = 'ERR_INVALID_SHARD_COUNT';

  constructor(
    readonly dataShards: number,
    readonly parityShards: number,
  ) {
    super(`invalid FEC shard counts ${dataShards}+${parityShards}: need data > 0, parity > 0 and data + parity <= 256`);
    this.name = 'InvalidShardCountError';
  }
}

/** A FecSettings field out of range; names the field. */
export class InvalidFecSettingsError extends Error {
  readonly code = 'ERR_FEC_SETTINGS';

  constructor(
    readonly field: 'dataShards' | 'parityShards',
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`invalid FEC ${field}: ${String(value)} (expected ${expected})`);
    this.name = 'InvalidFecSettingsError';
  }
}
