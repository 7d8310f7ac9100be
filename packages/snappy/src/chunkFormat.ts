/**
 * The snappy framing format's constants (docs/protocol.md §5.2), shared by the writer and the reader.
 *
 * Every chunk is a 4-byte header (1 type byte, 3 length bytes little-endian counting what
 * follows) and a body. Data chunks start their body with a 4-byte masked CRC-32C.
 */

export const CHUNK_TYPE_COMPRESSED = 0x00; // masked CRC + snappy block
export const CHUNK_TYPE_UNCOMPRESSED = 0x01; // masked CRC + raw bytes
export const CHUNK_TYPE_PADDING = 0xfe; // ignored by readers
export const CHUNK_TYPE_STREAM_IDENTIFIER = 0xff; // body "sNaPpY"
/** Types 0x02–0x7F are reserved and unskippable; 0x80–0xFD reserved and skippable. */
export const LAST_UNSKIPPABLE_CHUNK_TYPE = 0x7f;

export const CHUNK_HEADER_SIZE = 4; // type + uint24 length
export const CHECKSUM_SIZE = 4; // masked CRC-32C, little-endian

/** Most uncompressed bytes one data chunk may carry (golang/snappy `maxBlockSize`). */
export const MAX_BLOCK_SIZE = 65_536;
/**
 * Longest chunk body the Go reader accepts: the CRC plus the worst-case snappy encoding of a
 * full block (32 + 65 536 + 65 536/6 = 76 490). Longer chunks of ANY type are rejected.
 */
export const MAX_CHUNK_LENGTH = 76_494;

/** Body of the stream identifier chunk: ASCII "sNaPpY". */
export const STREAM_IDENTIFIER_BODY: readonly number[] = [0x73, 0x4e, 0x61, 0x50, 0x70, 0x59];
/** The whole identifier chunk as it opens every stream: `ff 06 00 00 73 4e 61 50 70 59`. */
export const STREAM_IDENTIFIER_CHUNK: readonly number[] = [CHUNK_TYPE_STREAM_IDENTIFIER, 6, 0, 0, ...STREAM_IDENTIFIER_BODY];

/** Write a data chunk header (type, length, masked CRC) at `at`. */
export function writeDataChunkHeader(into: Uint8Array, at: number, type: number, bodyLength: number, maskedCrc: number): void {
  into[at] = type;
  into[at + 1] = bodyLength & 0xff;
  into[at + 2] = (bodyLength >>> 8) & 0xff;
  into[at + 3] = bodyLength >>> 16;
  into[at + 4] = maskedCrc & 0xff;
  into[at + 5] = (maskedCrc >>> 8) & 0xff;
  into[at + 6] = (maskedCrc >>> 16) & 0xff;
  into[at + 7] = maskedCrc >>> 24;
}
