/**
 * The 20-byte prefix in front of every datagram (docs/protocol.md §1.3):
 *   nonce 16 random bytes | CRC-32/IEEE u32 LE of bytes 20..
 * The only place that knows this layout; other layers start after it.
 */

export const NONCE_SIZE = 16;
/** Where the CRC of the payload sits in the prefix. */
export const CRC_OFFSET = NONCE_SIZE;
/** Bytes of nonce + CRC in front of every datagram; also where the payload (FEC or KCP bytes) starts. */
export const CRYPT_HEADER_SIZE = 20;

/** The bytes after the prefix of a decrypted datagram: what FEC and KCP read. */
export function cryptPayload(datagram: Uint8Array): Uint8Array {
  return datagram.subarray(CRYPT_HEADER_SIZE);
}

/** The CRC stored in the prefix of the datagram at `at`. */
export function readPrefixCrc(mem: Uint8Array, at: number): number {
  const c = at + CRC_OFFSET;
  return (mem[c]! | (mem[c + 1]! << 8) | (mem[c + 2]! << 16) | (mem[c + 3]! << 24)) >>> 0;
}

export function writePrefixCrc(mem: Uint8Array, at: number, crc: number): void {
  const c = at + CRC_OFFSET;
  mem[c] = crc & 0xff;
  mem[c + 1] = (crc >>> 8) & 0xff;
  mem[c + 2] = (crc >>> 16) & 0xff;
  mem[c + 3] = crc >>> 24;
}
