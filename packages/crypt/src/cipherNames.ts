/** The `--crypt` names and the slice of `pass` each one keys with (docs/protocol.md §1.2). */

export const CIPHER_NAMES = [
  'aes',
  'aes-128',
  'aes-192',
  'aes-128-gcm',
  'salsa20',
  'blowfish',
  'twofish',
  'cast5',
  '3des',
  'tea',
  'xtea',
  'sm4',
  'xor',
  'none',
  'null',
] as const;

export type CipherName = (typeof CIPHER_NAMES)[number];

/** Bytes of `pass` used as key material; 0 for `none`/`null` (xor derives a table from all 32). */
export const KEY_BYTES: Readonly<Record<CipherName, number>> = {
  aes: 32,
  'aes-128': 16,
  'aes-192': 24,
  'aes-128-gcm': 16,
  salsa20: 32,
  blowfish: 32,
  twofish: 32,
  cast5: 16,
  '3des': 24,
  tea: 16,
  xtea: 16,
  sm4: 16,
  xor: 32,
  none: 0,
  null: 0,
};

export function isCipherName(name: string): name is CipherName {
  return (CIPHER_NAMES as readonly string[]).includes(name);
}

/** The fixed CFB IV of kcp-go (docs/protocol.md §1.4); 8-byte ciphers use its first 8 bytes. */
export const CFB_IV = Uint8Array.from([0xa7, 0x73, 0x4f, 0x9c, 0x12, 0xac, 0x1b, 0x01, 0xa4, 0x15, 0xf2, 0xc1, 0xfc, 0x78, 0xe6, 0x6b]);

/**
 * The 13 names kcptunB and Debian's kcptun 20210922 know, all with the 20-byte
 * prefix (docs/protocol.md §1.3); upstream kcptun adds `aes-128-gcm` (§1.9) and `null` (§1.10).
 */
export const KCPTUNB_CIPHER_NAMES: readonly CipherName[] = CIPHER_NAMES.filter((n) => n !== 'aes-128-gcm' && n !== 'null');
