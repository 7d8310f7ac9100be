/**
 * @kcptunb/snappy — the snappy framing layer between smux and KCP (docs/protocol.md §5), as pure cores:
 * `SnappyFrameWriter` frames each smux write, `SnappyFrameReader` turns the received byte stream
 * back into data chunks, with typed errors for every framing violation.
 */
export {
  CHUNK_TYPE_COMPRESSED,
  CHUNK_TYPE_PADDING,
  CHUNK_TYPE_STREAM_IDENTIFIER,
  CHUNK_TYPE_UNCOMPRESSED,
  MAX_BLOCK_SIZE,
  MAX_CHUNK_LENGTH,
  STREAM_IDENTIFIER_CHUNK,
} from './chunkFormat.js';
export { crc32c, maskChecksum, maskedCrc32c } from './crc32c.js';
export {
  BadStreamIdentifierError,
  ChunkChecksumError,
  ChunkTooLargeError,
  ChunkTooShortError,
  CorruptBlockError,
  DecodedChunkTooLargeError,
  InvalidSnappyOptionError,
  MissingStreamIdentifierError,
  ReservedChunkError,
  SnappyStreamError,
  TruncatedStreamError,
} from './errors.js';
export { SnappyFrameWriter, type SnappyFrameWriterOptions } from './frameWriter.js';
export { SnappyFrameReader, type BlockDecoderChoice, type SnappyFrameReaderOptions } from './frameReader.js';
export { BlockFailure, decodeBlockInto, decodeSnappyBlock, readBlockPreamble, type BlockDecodeResult, type BlockPreamble } from './snappyBlock.js';
