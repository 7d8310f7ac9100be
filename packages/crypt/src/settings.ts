/** The packet-cipher settings a tunnel is configured with (`--crypt`, `--key`; docs/protocol.md §1.1–1.2). */
import { CIPHER_NAMES, isCipherName, type CipherName } from './cipherNames.js';
import { InvalidKeyError, UnknownCipherError } from './errors.js';
import { PASS_BYTES } from './keyDerivation.js';

export interface CryptSettings {
  /** The `--crypt` name. */
  method: string;
  /** The PBKDF2 output of `--key` (deriveKey): every cipher slices its key from it. */
  key: Uint8Array;
}

/** Check the cipher name and the key length; throws UnknownCipherError / InvalidKeyError. */
export function verifyCryptSettings(s: CryptSettings): CryptSettings & { method: CipherName } {
  if (!isCipherName(s.method)) throw new UnknownCipherError(s.method, CIPHER_NAMES);
  if (!(s.key instanceof Uint8Array) || s.key.length !== PASS_BYTES) throw new InvalidKeyError(s.method, PASS_BYTES, s.key?.length ?? 0);
  return s as CryptSettings & { method: CipherName };
}
