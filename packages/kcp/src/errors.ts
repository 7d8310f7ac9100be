/** Typed KCP errors. Bad network input never throws: `input()` returns a code and counts KCPInErrors. */

export class InvalidKcpConfigError extends Error {
  readonly code = 'ERR_KCP_CONFIG';
  constructor(readonly field: string, readonly value: unknown, readonly expected: string) {
    super(`invalid KCP ${field}: ${String(value)} (expected ${expected})`);
    this.name = 'InvalidKcpConfigError';
  }
}

/** Results of `Kcp.input()`; 0 means the whole datagram was accepted. */
export const InputResult = {
  OK: 0,
  /** Fewer than 24 bytes. */
  SHORT: -1,
  /** A segment carried another conversation id. */
  CONV_MISMATCH: -2,
  /** A segment's length ran past the end of the datagram. */
  TRUNCATED: -3,
  /** A segment had an unknown command. */
  BAD_COMMAND: -4,
} as const;
export type InputResult = (typeof InputResult)[keyof typeof InputResult];
