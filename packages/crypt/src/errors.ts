/** Typed construction errors of the packet cipher layer. Network input never throws. */

/** `--crypt` named a cipher kcptunb does not know (kcptun would silently use AES; we refuse). */
export class UnknownCipherError extends Error {
  readonly code = 'ERR_UNKNOWN_CIPHER';
  constructor(readonly cipherName: string, readonly allowed: readonly string[]) {
    super(`unknown cipher "${cipherName}" (allowed: ${allowed.join(', ')})`);
    this.name = 'UnknownCipherError';
  }
}

/** A key of the wrong length reached a cipher constructor. */
export class InvalidKeyError extends Error {
  readonly code = 'ERR_INVALID_KEY';
  constructor(readonly cipherName: string, readonly expected: number, readonly actual: number) {
    super(`cipher ${cipherName} needs at least ${expected} key bytes, got ${actual}`);
    this.name = 'InvalidKeyError';
  }
}
