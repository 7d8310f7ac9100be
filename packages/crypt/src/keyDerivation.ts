/** Key material from the user's `--key` (docs/protocol.md §1.1, §1.6). */
import { pbkdf2Sync } from 'node:crypto';

/** kcptun's default `--key` (sic). */
export const DEFAULT_KEY = "it's a secrect";

const KEY_SALT = 'kcp-go';
const KEY_ITERATIONS = 4096;
const XOR_TABLE_SALT = 'sH3CIVoF#rWLtJo6';
const XOR_TABLE_ITERATIONS = 32;
/** Bytes of `pass`, the derived key every cipher slices. */
export const PASS_BYTES = 32;
/** Length of the `xor` table; datagrams never exceed 1500 bytes. */
export const XOR_TABLE_LENGTH = 1500;

/** PBKDF2-HMAC-SHA1(password, "kcp-go", 4096) → the 32-byte `pass` every cipher slices. */
export function deriveKey(password: string): Uint8Array {
  return new Uint8Array(pbkdf2Sync(Buffer.from(password, 'utf8'), KEY_SALT, KEY_ITERATIONS, PASS_BYTES, 'sha1'));
}

/** The 1500-byte table of the `xor` cipher, derived from `pass` (not the user string). */
export function deriveXorTable(pass: Uint8Array): Uint8Array {
  return new Uint8Array(pbkdf2Sync(pass, XOR_TABLE_SALT, XOR_TABLE_ITERATIONS, XOR_TABLE_LENGTH, 'sha1'));
}
