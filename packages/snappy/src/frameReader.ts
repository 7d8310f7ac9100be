/**
 * Snappy framing reader (docs/protocol.md §5.2), sans-I/O and incremental: stream bytes go in, in pieces cut
 * at any byte boundary; decoded data chunks come out one at a time when the caller asks.
 *
 * Pull, not callback: the consumer (smux) takes a chunk only when it has room, so an unread
 * backlog stays in KCP's receive window and throttles the peer instead of piling up here.
 *
 * Rules are those of golang/snappy v0.0.1's Reader: the first chunk must be the identifier
 * (which may repeat); a chunk longer than 76 494 bytes of any type is rejected; data chunks
 * decode to ≤ 65 536 bytes and their masked CRC-32C is always checked; 0x02–0x7F are fatal,
 * 0x80–0xFE skipped. The first violation fails the reader for good: `error` says which (a typed
 * `SnappyStreamError`); `push`/`read` never throw on any input.
 */
import { uncompressSync } from 'snappy';
import {
  CHUNK_HEADER_SIZE,
  CHUNK_TYPE_COMPRESSED,
  CHUNK_TYPE_STREAM_IDENTIFIER,
  CHUNK_TYPE_UNCOMPRESSED,
  CHECKSUM_SIZE,
  LAST_UNSKIPPABLE_CHUNK_TYPE,
  MAX_BLOCK_SIZE,
  MAX_CHUNK_LENGTH,
  STREAM_IDENTIFIER_BODY,
} from './chunkFormat.js';
import { maskedCrc32c } from './crc32c.js';
import {
  BadStreamIdentifierError,
  ChunkChecksumError,
  ChunkTooLargeError,
  ChunkTooShortError,
  CorruptBlockError,
  DecodedChunkTooLargeError,
  InvalidSnappyOptionError,
  MissingStreamIdentifierError,
  ReservedChunkError,
  TruncatedStreamError,
  type SnappyStreamError,
} from './errors.js';
import { BlockFailure, decodeBlockInto, readBlockPreamble } from './snappyBlock.js';

/**
 * Which snappy block decoder handles type-0x00 chunks.
 * - `native`: napi `uncompressSync` (Rust snap).
 * - `typescript`: `decodeBlockInto` of snappyBlock.ts.
 * - `auto` (default): TypeScript below `AUTO_NATIVE_FROM` decoded bytes, native above.
 */
export type BlockDecoderChoice = 'auto' | 'native' | 'typescript';

/**
 * Crossover of `auto`, from bench/src/snappyFraming.ts on a shared 2-core box (Node 20; median of
 * 7 runs, then middle of 3 benches; ±30% noise), block decode of English-like text (~0.3×):
 *   decoded size   TypeScript   napi (copyOutputData)   napi (default options)
 *   1350 B         1.5–2.2 µs   1.7–2.4 µs               5.5–6.0 µs
 *   4 KiB          4.1–4.4 µs   3.6–3.8 µs              13–14 µs
 *   8 KiB          7.3 µs       6.5–6.9 µs              25 µs
 *   32 KiB         27–30 µs     24 µs                   97 µs
 *   64 KiB         50–57 µs     39–48 µs               195 µs
 * Small blocks: the native call's fixed cost (~1.5 µs) is as large as the whole TS decode; from
 * a few KiB on the native decoder is 10–25% faster. The TS decoder returns exactly what napi does
 * (differential tests), so the choice is about speed only.
 */
const AUTO_NATIVE_FROM = 4096;

export interface SnappyFrameReaderOptions {
  blockDecoder?: BlockDecoderChoice;
}

const EMPTY = new Uint8Array(0);
const UNCOMPRESS_OPTIONS = { copyOutputData: true } as const; // 3–4× faster than the default, table above
const NO_CHUNK = -1;

export class SnappyFrameReader {
  readonly blockDecoder: BlockDecoderChoice;

  // Unparsed input: pushed pieces (views, not copies), consumed front to back.
  private pieces: Uint8Array[] = [];
  private headPiece = 0;
  private headOffset = 0;
  private queued = 0;

  // The chunk whose header has been read (NO_CHUNK: expecting a header).
  private chunkType = NO_CHUNK;
  private chunkLength = 0;
  private chunkOffset = 0;
  /** Body being assembled because it arrived in several pieces. */
  private body: Uint8Array | undefined;
  private bodyFilled = 0;
  /** Reused body buffer for chunks whose body is not handed out (compressed, skippable). */
  private scratch: Uint8Array | undefined;

  private reserved: Uint8Array | undefined;
  private reservedIsBody = false;

  private consumed = 0; // stream bytes taken out of `pieces` or committed into `body`
  private sawIdentifier = false;
  private ended = false;
  private failure: SnappyStreamError | undefined;

  constructor(options: SnappyFrameReaderOptions = {}) {
    const choice = options.blockDecoder ?? 'auto';
    if (choice !== 'auto' && choice !== 'native' && choice !== 'typescript') {
      throw new InvalidSnappyOptionError('blockDecoder', choice, "'auto', 'native' or 'typescript'");
    }
    this.blockDecoder = choice;
  }

  /** The violation that failed the stream, if any. Once set, `read()` returns only `undefined`. */
  get error(): SnappyStreamError | undefined {
    return this.failure;
  }

  /** Bytes received but not yet returned (partial chunks and unread complete ones). */
  get bufferedBytes(): number {
    return this.queued + (this.body === undefined ? 0 : this.bodyFilled);
  }

  /**
   * Hand over received stream bytes. Ownership passes to the reader: it keeps views of `bytes`
   * and `read()` may return views of them (uncompressed chunks), so do not reuse or mutate the
   * array afterwards. A caller that receives into a reused buffer should use `reserve`/`commit`.
   * Ignored once the reader has failed.
   */
  push(bytes: Uint8Array): void {
    if (this.failure !== undefined || bytes.length === 0) return;
    this.pieces.push(bytes);
    this.queued += bytes.length;
  }

  /**
   * Zero-copy intake for `recv(out)`-style sources such as `Kcp.recv`: returns a buffer of at
   * most `maxBytes` to fill, then call `commit(filled)`. While a chunk body is arriving in pieces
   * this is the unfilled rest of that body, so the bytes land where they will be decoded from (or,
   * for uncompressed chunks, where `read()` hands them out) — one copy in total from KCP's segments.
   * Otherwise it is a fresh array. Typical drain:
   *
   *     while (kcp.readable > 0) reader.commit(kcp.recv(reader.reserve(kcp.readable)));
   *     for (let data; (data = reader.read()) !== undefined; ) smux.push(data);
   *
   * The returned buffer may be shorter than `maxBytes` (end of the current body): just loop.
   * Call `read()` after each drain (as above) so the next chunk's body exists to receive into,
   * and do not `push` between `reserve` and `commit`.
   */
  reserve(maxBytes: number): Uint8Array {
    let region: Uint8Array;
    const body = this.body;
    if (this.failure === undefined && body !== undefined && this.queued === 0 && this.bodyFilled < body.length) {
      region = body.subarray(this.bodyFilled, this.bodyFilled + Math.min(maxBytes, body.length - this.bodyFilled));
      this.reservedIsBody = true;
    } else {
      region = new Uint8Array(Math.max(0, maxBytes));
      this.reservedIsBody = false;
    }
    this.reserved = region;
    return region;
  }

  /** Accept the first `filled` bytes of the buffer last returned by `reserve`. */
  commit(filled: number): void {
    const region = this.reserved;
    this.reserved = undefined;
    if (region === undefined || !Number.isInteger(filled) || filled < 0 || filled > region.length) {
      throw new RangeError(`SnappyFrameReader.commit(${filled}) without a matching reserve() of at least that size`);
    }
    if (this.failure !== undefined || filled === 0) return;
    if (this.reservedIsBody) {
      this.bodyFilled += filled;
      this.consumed += filled;
    } else {
      this.push(region.subarray(0, filled));
    }
  }

  /**
   * Mark the end of the input. A stream may end only between chunks; ending inside one makes
   * the next `read()` fail with `TruncatedStreamError` once the complete chunks have been read.
   */
  end(): void {
    this.ended = true;
  }

  /**
   * The next decoded data chunk, or `undefined` when more input is needed or the stream failed
   * (see `error`). Uncompressed chunks come back as views of the received bytes, compressed ones
   * as fresh arrays; either way the caller owns the result. Empty data chunks are skipped.
   */
  read(): Uint8Array | undefined {
    while (this.failure === undefined) {
      if (this.chunkType === NO_CHUNK) {
        if (this.queued < CHUNK_HEADER_SIZE) return this.needMoreInput(CHUNK_HEADER_SIZE - this.queued);
        this.readHeader();
        continue;
      }
      const body = this.takeBody();
      if (body === undefined) return this.needMoreInput(this.chunkLength - this.bodyFilled - this.queued);
      const data = this.processChunk(body);
      this.chunkType = NO_CHUNK;
      if (data !== undefined && data.length > 0) return data;
    }
    return undefined;
  }

  private needMoreInput(missing: number): undefined {
    if (this.ended && (this.queued > 0 || this.chunkType !== NO_CHUNK)) {
      this.fail(new TruncatedStreamError(missing, this.chunkType === NO_CHUNK ? this.consumed : this.chunkOffset));
    }
    return undefined;
  }

  /** Consume a 4-byte chunk header and check it against every rule decidable from it alone. */
  private readHeader(): void {
    const offset = this.consumed;
    const head = this.pieces[this.headPiece]!;
    let type: number;
    let length: number;
    if (head.length - this.headOffset >= CHUNK_HEADER_SIZE) {
      const at = this.headOffset;
      type = head[at]!;
      length = head[at + 1]! | (head[at + 2]! << 8) | (head[at + 3]! << 16);
      this.advance(CHUNK_HEADER_SIZE);
    } else {
      const bytes = this.copyOut(new Uint8Array(CHUNK_HEADER_SIZE), 0, CHUNK_HEADER_SIZE);
      type = bytes[0]!;
      length = bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16);
    }
    if (!this.sawIdentifier) {
      if (type !== CHUNK_TYPE_STREAM_IDENTIFIER) return this.fail(new MissingStreamIdentifierError(type, offset));
      this.sawIdentifier = true;
    }
    if (length > MAX_CHUNK_LENGTH) return this.fail(new ChunkTooLargeError(type, length, MAX_CHUNK_LENGTH, offset));
    if (type === CHUNK_TYPE_COMPRESSED || type === CHUNK_TYPE_UNCOMPRESSED) {
      if (length < CHECKSUM_SIZE) return this.fail(new ChunkTooShortError(type, length, offset));
      if (type === CHUNK_TYPE_UNCOMPRESSED && length - CHECKSUM_SIZE > MAX_BLOCK_SIZE) {
        return this.fail(new DecodedChunkTooLargeError(length - CHECKSUM_SIZE, MAX_BLOCK_SIZE, offset));
      }
    } else if (type === CHUNK_TYPE_STREAM_IDENTIFIER) {
      if (length !== STREAM_IDENTIFIER_BODY.length) return this.fail(new BadStreamIdentifierError(offset));
    } else if (type <= LAST_UNSKIPPABLE_CHUNK_TYPE) {
      return this.fail(new ReservedChunkError(type, offset));
    }
    this.chunkType = type;
    this.chunkLength = length;
    this.chunkOffset = offset;
  }

  /**
   * The current chunk's body once complete: a view of one received piece when it arrived whole,
   * else assembled in `body` (a fresh array for uncompressed chunks, whose data is handed out;
   * the reused scratch buffer otherwise).
   */
  private takeBody(): Uint8Array | undefined {
    const length = this.chunkLength;
    let body = this.body;
    if (body === undefined) {
      if (length === 0) return EMPTY;
      const head = this.pieces[this.headPiece];
      if (head !== undefined && head.length - this.headOffset >= length) {
        const view = head.subarray(this.headOffset, this.headOffset + length);
        this.advance(length);
        return view;
      }
      body = this.chunkType === CHUNK_TYPE_UNCOMPRESSED ? new Uint8Array(length) : this.scratchOf(length);
      this.body = body;
      this.bodyFilled = 0;
    }
    if (this.bodyFilled < length && this.queued > 0) {
      const n = Math.min(length - this.bodyFilled, this.queued);
      this.copyOut(body, this.bodyFilled, n);
      this.bodyFilled += n;
    }
    if (this.bodyFilled < length) return undefined;
    this.body = undefined;
    this.bodyFilled = 0;
    return body;
  }

  /** Act on a complete chunk; returns its data for data chunks. */
  private processChunk(body: Uint8Array): Uint8Array | undefined {
    switch (this.chunkType) {
      case CHUNK_TYPE_UNCOMPRESSED: {
        const data = body.subarray(CHECKSUM_SIZE);
        return this.verified(body, data);
      }
      case CHUNK_TYPE_COMPRESSED: {
        const data = this.decompress(body);
        return data === undefined ? undefined : this.verified(body, data);
      }
      case CHUNK_TYPE_STREAM_IDENTIFIER:
        for (let i = 0; i < STREAM_IDENTIFIER_BODY.length; i++) {
          if (body[i] !== STREAM_IDENTIFIER_BODY[i]) return this.fail(new BadStreamIdentifierError(this.chunkOffset));
        }
        return undefined;
      default:
        return undefined; // padding (0xFE) and reserved skippable (0x80–0xFD)
    }
  }

  /** `data` if the masked CRC-32C stored at the start of `body` matches it. */
  private verified(body: Uint8Array, data: Uint8Array): Uint8Array | undefined {
    const stored = (body[0]! | (body[1]! << 8) | (body[2]! << 16) | (body[3]! << 24)) >>> 0;
    const actual = maskedCrc32c(data);
    return stored === actual ? data : this.fail(new ChunkChecksumError(stored, actual, this.chunkOffset));
  }

  private decompress(body: Uint8Array): Uint8Array | undefined {
    const preamble = readBlockPreamble(body, CHECKSUM_SIZE);
    if (preamble === undefined) return this.fail(new CorruptBlockError(BlockFailure.BAD_PREAMBLE, this.chunkOffset));
    const n = preamble.decodedLength;
    if (n > MAX_BLOCK_SIZE) return this.fail(new DecodedChunkTooLargeError(n, MAX_BLOCK_SIZE, this.chunkOffset));
    const useNative = this.blockDecoder === 'native' || (this.blockDecoder === 'auto' && n >= AUTO_NATIVE_FROM);
    if (useNative) {
      let out: Uint8Array;
      try {
        out = uncompressSync(body.subarray(CHECKSUM_SIZE), UNCOMPRESS_OPTIONS) as Uint8Array;
      } catch (err) {
        return this.fail(new CorruptBlockError(err instanceof Error ? err.message : String(err), this.chunkOffset));
      }
      if (out.length !== n) return this.fail(new CorruptBlockError(`decoded ${out.length} bytes, preamble says ${n}`, this.chunkOffset));
      return out;
    }
    const out = new Uint8Array(n);
    const failure = decodeBlockInto(body, CHECKSUM_SIZE + preamble.preambleLength, out);
    return failure === undefined ? out : this.fail(new CorruptBlockError(failure, this.chunkOffset));
  }

  /** Drop `n` bytes from the front of the queue (they are in the head piece). */
  private advance(n: number): void {
    this.headOffset += n;
    this.queued -= n;
    this.consumed += n;
    if (this.headOffset === this.pieces[this.headPiece]!.length) this.nextPiece();
  }

  /** Move `n` queued bytes (n ≤ queued) into `into` at `at`, crossing pieces as needed. */
  private copyOut(into: Uint8Array, at: number, n: number): Uint8Array {
    let left = n;
    while (left > 0) {
      const piece = this.pieces[this.headPiece]!;
      const take = Math.min(left, piece.length - this.headOffset);
      into.set(piece.subarray(this.headOffset, this.headOffset + take), at);
      at += take;
      left -= take;
      this.headOffset += take;
      if (this.headOffset === piece.length) this.nextPiece();
    }
    this.queued -= n;
    this.consumed += n;
    return into;
  }

  private nextPiece(): void {
    this.headPiece++;
    this.headOffset = 0;
    if (this.headPiece === this.pieces.length) {
      this.pieces.length = 0;
      this.headPiece = 0;
    } else if (this.headPiece >= 64) {
      this.pieces.splice(0, this.headPiece);
      this.headPiece = 0;
    }
  }

  private scratchOf(length: number): Uint8Array {
    this.scratch ??= new Uint8Array(MAX_CHUNK_LENGTH);
    return this.scratch.subarray(0, length);
  }

  /** Enter the failed state for good and release what is buffered. */
  private fail(error: SnappyStreamError): undefined {
    this.failure = error;
    this.pieces = [];
    this.headPiece = 0;
    this.headOffset = 0;
    this.queued = 0;
    this.body = undefined;
    this.bodyFilled = 0;
    this.chunkType = NO_CHUNK;
    return undefined;
  }
}
