/**
 * Typed snappy-framing errors, one class per violation of docs/protocol.md §5.2, so callers and tests match
 * on the class or `code`, never on message text. The Go reader reports all of them as
 * ErrCorrupt/ErrUnsupported and fails the stream; ours fails the stream too (the smux session on
 * top must then be torn down), but says which rule was broken and where.
 *
 * `offset` is the stream offset of the offending chunk's header (0 = the first byte of the stream).
 */

/** Base of every error the frame reader reports. */
export abstract class SnappyStreamError extends Error {
  abstract readonly code: string;
  constructor(message: string, readonly offset: number) {
    super(`${message} (chunk at stream offset ${offset})`);
  }
}

/** The first chunk was not the stream identifier (e.g. a `--nocomp` peer sending raw smux). */
export class MissingStreamIdentifierError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_MISSING_STREAM_IDENTIFIER';
  constructor(readonly chunkType: number, offset: number) {
    super(`snappy stream does not start with the stream identifier (first chunk type 0x${hex2(chunkType)})`, offset);
    this.name = 'MissingStreamIdentifierError';
  }
}

/** An identifier chunk (type 0xFF) whose body is not exactly "sNaPpY". */
export class BadStreamIdentifierError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_BAD_STREAM_IDENTIFIER';
  constructor(offset: number) {
    super('snappy stream identifier chunk is not "sNaPpY"', offset);
    this.name = 'BadStreamIdentifierError';
  }
}

/** A chunk (of any type) longer than the Go reader's 76 494-byte buffer. */
export class ChunkTooLargeError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_CHUNK_TOO_LARGE';
  constructor(readonly chunkType: number, readonly length: number, readonly limit: number, offset: number) {
    super(`snappy chunk type 0x${hex2(chunkType)} has length ${length} > ${limit}`, offset);
    this.name = 'ChunkTooLargeError';
  }
}

/** A data chunk too short to hold its 4-byte checksum. */
export class ChunkTooShortError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_CHUNK_TOO_SHORT';
  constructor(readonly chunkType: number, readonly length: number, offset: number) {
    super(`snappy data chunk type 0x${hex2(chunkType)} has length ${length} < 4`, offset);
    this.name = 'ChunkTooShortError';
  }
}

/** A data chunk that would decode to more than 65 536 bytes. */
export class DecodedChunkTooLargeError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_DECODED_TOO_LARGE';
  constructor(readonly decodedLength: number, readonly limit: number, offset: number) {
    super(`snappy data chunk decodes to ${decodedLength} bytes > ${limit}`, offset);
    this.name = 'DecodedChunkTooLargeError';
  }
}

/** A chunk type in 0x02–0x7F: reserved and unskippable. */
export class ReservedChunkError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_RESERVED_CHUNK';
  constructor(readonly chunkType: number, offset: number) {
    super(`snappy reserved unskippable chunk type 0x${hex2(chunkType)}`, offset);
    this.name = 'ReservedChunkError';
  }
}

/** A compressed chunk whose snappy block does not decode (docs/protocol.md §5.4). */
export class CorruptBlockError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_CORRUPT_BLOCK';
  constructor(readonly reason: string, offset: number) {
    super(`corrupt snappy block: ${reason}`, offset);
    this.name = 'CorruptBlockError';
  }
}

/** A data chunk whose masked CRC-32C does not match its (decoded) data. */
export class ChunkChecksumError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_CHECKSUM';
  constructor(readonly expected: number, readonly actual: number, offset: number) {
    super(`snappy chunk checksum mismatch: stored 0x${hex8(expected)}, computed 0x${hex8(actual)}`, offset);
    this.name = 'ChunkChecksumError';
  }
}

/** The input ended (`end()`) inside a chunk. */
export class TruncatedStreamError extends SnappyStreamError {
  readonly code = 'ERR_SNAPPY_TRUNCATED_STREAM';
  constructor(readonly missingBytes: number, offset: number) {
    super(`snappy stream ended inside a chunk (${missingBytes} more byte(s) needed at least)`, offset);
    this.name = 'TruncatedStreamError';
  }
}

/** A writer or reader option with a wrong value; thrown once, at construction. */
export class InvalidSnappyOptionError extends Error {
  readonly code = 'ERR_SNAPPY_OPTION';
  constructor(readonly field: string, readonly value: unknown, readonly expected: string) {
    super(`invalid snappy ${field}: ${String(value)} (expected ${expected})`);
    this.name = 'InvalidSnappyOptionError';
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
