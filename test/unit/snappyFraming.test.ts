/**
 * Snappy framing (docs/protocol.md §5): the masked CRC, the writer's bytes (Appendix A.6), the incremental
 * reader on Go-style streams cut at every boundary, its typed errors, a never-throws fuzz, and
 * the TypeScript block decoder against napi's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compressSync, uncompressSync } from 'snappy';
import {
  BadStreamIdentifierError,
  ChunkChecksumError,
  ChunkTooLargeError,
  ChunkTooShortError,
  CorruptBlockError,
  crc32c,
  decodeSnappyBlock,
  DecodedChunkTooLargeError,
  InvalidSnappyOptionError,
  maskChecksum,
  maskedCrc32c,
  MAX_CHUNK_LENGTH,
  MissingStreamIdentifierError,
  readBlockPreamble,
  ReservedChunkError,
  SnappyFrameReader,
  SnappyFrameWriter,
  SnappyStreamError,
  STREAM_IDENTIFIER_CHUNK,
  TruncatedStreamError,
  type BlockDecoderChoice,
} from '@kcptunb/snappy';
import { Rng } from '../support/random.js';
import { hex, toHex } from '../support/vectors.js';

const DECODERS: BlockDecoderChoice[] = ['auto', 'typescript', 'native'];
const IDENTIFIER = Uint8Array.from(STREAM_IDENTIFIER_CHUNK);
const NOP_SID1 = hex('01 03 00 00 01 00 00 00'); // spec A.6

// ------------------------------------------------------------------ helpers: building streams

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Any chunk: type, uint24 LE length, body. */
function chunk(type: number, body: Uint8Array, length = body.length): Uint8Array {
  return concat([Uint8Array.of(type, length & 0xff, (length >>> 8) & 0xff, length >>> 16), body]);
}

function le32(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
}

function uncompressedChunk(data: Uint8Array, crc = maskedCrc32c(data)): Uint8Array {
  return chunk(0x01, concat([le32(crc), data]));
}

/** A type-0x00 chunk around `block`; the CRC is over `data` (what the block should decode to). */
function compressedChunk(data: Uint8Array, block: Uint8Array = compressSync(data), crc = maskedCrc32c(data)): Uint8Array {
  return chunk(0x00, concat([le32(crc), block]));
}

/** Seeded bytes that snappy compresses by roughly `repeatShare` (0 = random, 1 = very). */
function sampleBytes(rng: Rng, n: number, repeatShare: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const run = Math.min(n - at, 1 + rng.int(40));
    if (at > 0 && rng.next() < repeatShare) {
      const from = rng.int(Math.min(at, 4096));
      for (let i = 0; i < run; i++) out[at + i] = out[at - 1 - from + (i % (from + 1))]!;
    } else {
      rng.fill(out.subarray(at, at + run));
    }
    at += run;
  }
  return out;
}

/** Cut `bytes` at the given (unsorted, possibly repeated) positions. */
function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  return pieces;
}

function piecesOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

function readAll(reader: SnappyFrameReader, into: Uint8Array[] = []): Uint8Array[] {
  for (let data = reader.read(); data !== undefined; data = reader.read()) into.push(data);
  return into;
}

/** Feed pieces (copied, so views into them cannot alias between runs), reading after each. */
function decodePieces(pieces: readonly Uint8Array[], blockDecoder: BlockDecoderChoice = 'auto', readEachTime = true): { out: Uint8Array[]; reader: SnappyFrameReader } {
  const reader = new SnappyFrameReader({ blockDecoder });
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    reader.push(p.slice());
    if (readEachTime) readAll(reader, out);
  }
  readAll(reader, out);
  return { out, reader };
}

function decodeStream(stream: Uint8Array, blockDecoder: BlockDecoderChoice = 'auto'): { out: Uint8Array[]; error: SnappyStreamError | undefined } {
  const { out, reader } = decodePieces([stream], blockDecoder);
  reader.end();
  readAll(reader, out);
  return { out, error: reader.error };
}

function assertChunksEqual(actual: Uint8Array[], expected: Uint8Array[], context = ''): void {
  assert.equal(actual.length, expected.length, `chunk count ${context}`);
  for (let i = 0; i < expected.length; i++) assert.ok(Buffer.from(actual[i]!).equals(Buffer.from(expected[i]!)), `chunk ${i} differs ${context}`);
}

/**
 * A hand-built snappy block from element descriptions, exercising every tag form the Go and Rust
 * encoders rarely or never emit (literal lengths in 1–4 extra bytes, copy-4, overlapping copies);
 * returns the block and what it must decode to.
 */
type Element =
  | { kind: 'literal'; bytes: Uint8Array; extraLengthBytes: number }
  | { kind: 'copy'; tag: 1 | 2 | 4; offset: number; length: number };

function buildBlock(elements: readonly Element[]): { block: Uint8Array; expected: Uint8Array } {
  const parts: number[] = [];
  const outBytes: number[] = [];
  for (const e of elements) {
    if (e.kind === 'literal') {
      const n = e.bytes.length - 1;
      const extra = Math.max(e.extraLengthBytes, n < 60 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : 3);
      if (extra === 0) parts.push(n << 2);
      else {
        parts.push((59 + extra) << 2);
        for (let i = 0; i < extra; i++) parts.push(Math.floor(n / 256 ** i) & 0xff);
      }
      parts.push(...e.bytes);
      outBytes.push(...e.bytes);
      continue;
    }
    if (outBytes.length === 0) continue;
    const maxOffset = e.tag === 1 ? 2047 : e.tag === 2 ? 65535 : 0xffffffff;
    const offset = 1 + (e.offset % Math.min(outBytes.length, maxOffset));
    const length = e.tag === 1 ? 4 + (e.length % 8) : 1 + (e.length % 64);
    if (e.tag === 1) parts.push(0x01 | ((length - 4) << 2) | ((offset >>> 8) << 5), offset & 0xff);
    else if (e.tag === 2) parts.push(0x02 | ((length - 1) << 2), offset & 0xff, offset >>> 8);
    else parts.push(0x03 | ((length - 1) << 2), offset & 0xff, (offset >>> 8) & 0xff, (offset >>> 16) & 0xff, offset >>> 24);
    const from = outBytes.length - offset;
    for (let i = 0; i < length; i++) outBytes.push(outBytes[from + i]!);
  }
  const preamble: number[] = [];
  let v = outBytes.length;
  do {
    preamble.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>>= 7;
  } while (v > 0);
  return { block: Uint8Array.from([...preamble, ...parts]), expected: Uint8Array.from(outBytes) };
}

const elementArb: fc.Arbitrary<Element> = fc.oneof(
  fc.record({ kind: fc.constant('literal' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }), extraLengthBytes: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('copy' as const), tag: fc.constantFrom(1 as const, 2 as const, 4 as const), offset: fc.nat(), length: fc.nat() }),
);

/** A Go-style stream: identifier, then data chunks of every kind, plus repeats and ignorables. */
function goStyleStream(): { stream: Uint8Array; expected: Uint8Array[] } {
  const rng = new Rng(42);
  const text = sampleBytes(rng, 3000, 0.9);
  const random = sampleBytes(rng, 700, 0);
  const big = sampleBytes(rng, 65_536, 0.8);
  const handMade = buildBlock([
    { kind: 'literal', bytes: Uint8Array.from([1, 2, 3, 4, 5]), extraLengthBytes: 4 },
    { kind: 'copy', tag: 4, offset: 0, length: 40 }, // offset 1: a run of 41 × 5
    { kind: 'copy', tag: 1, offset: 2, length: 7 },
    { kind: 'literal', bytes: Uint8Array.from({ length: 70 }, (_, i) => i), extraLengthBytes: 1 },
    { kind: 'copy', tag: 2, offset: 30, length: 63 },
  ]);
  const expected = [text, random, NOP_SID1, big, handMade.expected, text.subarray(0, 17)];
  const stream = concat([
    IDENTIFIER,
    compressedChunk(text),
    uncompressedChunk(random),
    chunk(0xfe, new Uint8Array(13)), // padding
    IDENTIFIER, // may repeat
    uncompressedChunk(new Uint8Array(0)), // empty data chunk: nothing comes out
    chunk(0x80, Uint8Array.of(9, 9, 9)), // reserved skippable
    uncompressedChunk(NOP_SID1),
    compressedChunk(big),
    chunk(0xfd, new Uint8Array(0)),
    compressedChunk(handMade.expected, handMade.block),
    IDENTIFIER,
    compressedChunk(text.subarray(0, 17)),
  ]);
  return { stream, expected };
}

// ----------------------------------------------------------------------------- masked CRC

test('CRC-32C check value and the masked CRC of spec A.6', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(maskedCrc32c(NOP_SID1), 0xc31e2b80); // bytes 80 2b 1e c3
  assert.equal(maskChecksum(0), 0xa282ead8);
  assert.equal(maskChecksum(0xffffffff), (0xffffffff + 0xa282ead8) % 2 ** 32);
  // the CRC of a view covers exactly the view
  const host = new Uint8Array(20);
  host.set(NOP_SID1, 7);
  assert.equal(maskedCrc32c(host.subarray(7, 15)), 0xc31e2b80);
});

// ---------------------------------------------------------------------------------- writer

test('writer: the first 26 bytes of a compressing kcptunB client (spec A.6)', () => {
  const expected = 'ff060000734e61507059 010c0000 802b1ec3 0103000001000000'.replace(/ /g, '');
  for (const compress of [true, false]) {
    const writer = new SnappyFrameWriter({ compress });
    assert.equal(writer.started, false);
    const frame = NOP_SID1.slice();
    const pieces = writer.write(frame);
    assert.equal(toHex(concat(pieces)), expected);
    assert.equal(pieces.length, 2);
    assert.equal(pieces[1]!.buffer, frame.buffer, 'the uncompressed payload is a view of the input');
    assert.equal(writer.started, true);
    // later chunks carry no identifier
    assert.equal(toHex(concat(writer.write(NOP_SID1))), '010c0000802b1ec30103000001000000');
  }
});

test('writer: empty writes produce nothing, not even the identifier', () => {
  const writer = new SnappyFrameWriter();
  assert.deepEqual(writer.write(new Uint8Array(0)), []);
  assert.equal(writer.started, false);
  assert.equal(toHex(concat(writer.write(Uint8Array.of(7))).subarray(0, 10)), toHex(IDENTIFIER));
});

test('writer: options are validated at construction', () => {
  assert.throws(() => new SnappyFrameWriter({ compress: 'yes' as unknown as boolean }), InvalidSnappyOptionError);
  assert.throws(() => new SnappyFrameReader({ blockDecoder: 'wasm' as BlockDecoderChoice }), InvalidSnappyOptionError);
});

/** Parse a writer's output into chunks (type, body) with a tiny independent parser. */
function parseChunks(stream: Uint8Array): Array<{ type: number; body: Uint8Array }> {
  const chunks: Array<{ type: number; body: Uint8Array }> = [];
  for (let at = 0; at < stream.length; ) {
    const length = stream[at + 1]! | (stream[at + 2]! << 8) | (stream[at + 3]! << 16);
    chunks.push({ type: stream[at]!, body: stream.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return chunks;
}

test('writer: one chunk per 64 KiB, compressed only when it saves an eighth, CRC over the raw bytes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), fc.integer(), (size, share, compress, seed) => {
      const data = sampleBytes(new Rng(seed), size, share);
      const chunks = parseChunks(concat(new SnappyFrameWriter({ compress }).write(data)));
      assert.equal(chunks[0]!.type, 0xff);
      assert.equal(chunks.length, 1 + Math.ceil(size / 65_536));
      for (let i = 1; i < chunks.length; i++) {
        const raw = data.subarray((i - 1) * 65_536, i * 65_536);
        const { type, body } = chunks[i]!;
        const block = compressSync(raw);
        const n = raw.length;
        const expectCompressed = compress && block.length < n - Math.floor(n / 8);
        assert.equal(type, expectCompressed ? 0x00 : 0x01);
        const crc = (body[0]! | (body[1]! << 8) | (body[2]! << 16)) + body[3]! * 2 ** 24;
        assert.equal(crc, maskedCrc32c(raw));
        const decoded = type === 0x00 ? uncompressSync(body.subarray(4)) : body.subarray(4);
        assert.ok(Buffer.from(decoded as Uint8Array).equals(Buffer.from(raw)));
      }
    }),
    { numRuns: 60, seed: 5150 },
  );
});

// ---------------------------------------------------------------------------------- reader

test('reader: a Go-style stream decodes whole, in n-byte pieces for every n, and cut anywhere', () => {
  const { stream, expected } = goStyleStream();
  for (const decoder of DECODERS) {
    assertChunksEqual(decodePieces([stream], decoder).out, expected, `whole, ${decoder}`);
    for (let size = 1; size <= 80; size++) {
      assertChunksEqual(decodePieces(piecesOf(stream, size), decoder, size % 2 === 0).out, expected, `${size}-byte pieces, ${decoder}`);
    }
    for (const size of [1295, 1296, 4096, 65_540, 65_541]) {
      assertChunksEqual(decodePieces(piecesOf(stream, size), decoder).out, expected, `${size}-byte pieces, ${decoder}`);
    }
  }
  // every single cut point in the small head of the stream (all chunk headers before the 64 KiB one)
  for (let cut = 0; cut <= 3900; cut++) {
    assertChunksEqual(decodePieces([stream.subarray(0, cut), stream.subarray(cut)]).out, expected, `cut at ${cut}`);
  }
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 60 }), fc.constantFrom(...DECODERS), fc.boolean(), (cuts, decoder, eager) => {
      const { out, reader } = decodePieces(cutAt(stream, cuts), decoder, eager);
      assert.equal(reader.error, undefined);
      assertChunksEqual(out, expected);
    }),
    { numRuns: 300, seed: 77 },
  );
});

test('reader: reserve/commit lands KCP bytes where they are decoded from (one copy)', () => {
  const rng = new Rng(9);
  const big = sampleBytes(rng, 32_768, 0); // incompressible: goes out as a 0x01 chunk
  const text = sampleBytes(rng, 32_768, 0.9);
  const writer = new SnappyFrameWriter();
  const stream = concat([...writer.write(big), ...writer.write(NOP_SID1), ...writer.write(text), ...writer.write(big)]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }), fc.constantFrom(...DECODERS), (recvSizes, decoder) => {
      const reader = new SnappyFrameReader({ blockDecoder: decoder });
      const out: Uint8Array[] = [];
      const regions: Uint8Array[] = [];
      let at = 0;
      for (let i = 0; at < stream.length; i++) {
        // a KCP that has `segment` bytes ready; the reader may offer less
        const segment = Math.min(recvSizes[i % recvSizes.length]!, stream.length - at);
        let left = segment;
        while (left > 0) {
          const region = reader.reserve(left);
          regions.push(region);
          const n = Math.min(region.length, left);
          region.set(stream.subarray(at, at + n));
          reader.commit(n);
          at += n;
          left -= n;
        }
        readAll(reader, out);
      }
      assert.equal(reader.error, undefined);
      assert.equal(reader.bufferedBytes, 0);
      assertChunksEqual(out, [big, NOP_SID1, text, big]);
      // The last 32 KiB uncompressed chunk arrived in several recvs: all but the first went
      // straight into the buffer that read() handed out.
      const last = out[3]!;
      if (recvSizes.every((s) => s < 16_000)) assert.ok(regions.some((r) => r.buffer === last.buffer && r.byteOffset > last.byteOffset));
    }),
    { numRuns: 150, seed: 3 },
  );
  const reader = new SnappyFrameReader();
  reader.reserve(10);
  assert.throws(() => reader.commit(11), RangeError);
  assert.throws(() => reader.commit(1), RangeError, 'commit without reserve');
});

test('reader: writer → reader round trip, up to 200 KB per write, cut anywhere', () => {
  const writeArb = fc.record({ size: fc.integer({ min: 0, max: 200_000 }), share: fc.constantFrom(0, 0.3, 0.7, 0.95, 1), seed: fc.integer() });
  fc.assert(
    fc.property(fc.array(writeArb, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 40 }), fc.constantFrom(...DECODERS), (writes, compress, cuts, decoder) => {
      const writer = new SnappyFrameWriter({ compress });
      const inputs = writes.map((w) => sampleBytes(new Rng(w.seed), w.size, w.share));
      const stream = concat(inputs.flatMap((d) => writer.write(d)));
      const { out, reader } = decodePieces(cutAt(stream, cuts), decoder);
      assert.equal(reader.error, undefined);
      // one output per ≤ 64 KiB chunk of each non-empty write
      assert.equal(out.length, inputs.reduce((s, d) => s + Math.ceil(d.length / 65_536), 0));
      assert.ok(Buffer.from(concat(out)).equals(Buffer.from(concat(inputs))));
    }),
    { numRuns: 80, seed: 1234 },
  );
});

// ------------------------------------------------------------------------- reader: errors

/** Decode `stream` with every decoder and delivery (whole, byte by byte); all must agree. */
function expectError<E extends SnappyStreamError>(stream: Uint8Array, type: new (...args: never[]) => E, check?: (e: E, out: Uint8Array[]) => void): void {
  for (const decoder of DECODERS) {
    for (const pieces of [[stream], piecesOf(stream, 1)]) {
      const { out, reader } = decodePieces(pieces, decoder);
      reader.end();
      readAll(reader, out);
      const e = reader.error;
      assert.ok(e instanceof type, `${decoder}: expected ${type.name}, got ${e?.name} ${e?.message ?? ''}`);
      assert.match(e.code, /^ERR_SNAPPY_/);
      check?.(e, out);
      // failed for good: no more data, input ignored, same error
      reader.push(concat([IDENTIFIER, uncompressedChunk(NOP_SID1)]));
      assert.equal(reader.read(), undefined);
      assert.equal(reader.error, e);
      assert.equal(reader.bufferedBytes, 0);
    }
  }
}

test('reader errors: missing stream identifier (e.g. a --nocomp peer), bad identifier', () => {
  expectError(NOP_SID1, MissingStreamIdentifierError, (e) => {
    assert.equal(e.chunkType, 0x01);
    assert.equal(e.offset, 0);
  });
  expectError(compressedChunk(new Uint8Array(100)), MissingStreamIdentifierError, (e) => assert.equal(e.chunkType, 0x00));
  expectError(concat([chunk(0xfe, new Uint8Array(0)), IDENTIFIER]), MissingStreamIdentifierError);
  expectError(chunk(0xff, new TextEncoder().encode('sNaPpZ')), BadStreamIdentifierError);
  expectError(chunk(0xff, new TextEncoder().encode('sNaPpYY')), BadStreamIdentifierError);
  expectError(concat([IDENTIFIER, uncompressedChunk(NOP_SID1), chunk(0xff, new TextEncoder().encode('SNAPPY'))]), BadStreamIdentifierError, (e, out) => {
    assert.equal(e.offset, 10 + 16);
    assertChunksEqual(out, [NOP_SID1]);
  });
});

test('reader errors: checksum mismatch on uncompressed and compressed chunks', () => {
  const data = sampleBytes(new Rng(1), 2000, 0.9);
  expectError(concat([IDENTIFIER, uncompressedChunk(NOP_SID1, maskedCrc32c(NOP_SID1) ^ 1)]), ChunkChecksumError, (e) => {
    assert.equal(e.expected, (maskedCrc32c(NOP_SID1) ^ 1) >>> 0);
    assert.equal(e.actual, maskedCrc32c(NOP_SID1));
    assert.equal(e.offset, 10);
  });
  const flipped = concat([IDENTIFIER, uncompressedChunk(NOP_SID1)]);
  flipped[flipped.length - 1]! ^= 0x40; // a data byte, not the CRC
  expectError(flipped, ChunkChecksumError);
  expectError(concat([IDENTIFIER, compressedChunk(data, compressSync(data), maskedCrc32c(data) + 1)]), ChunkChecksumError);
  // a block that decodes fine but to other bytes
  const other = data.slice();
  other[5]! ^= 1;
  expectError(concat([IDENTIFIER, compressedChunk(data, compressSync(other))]), ChunkChecksumError);
  // CRC of an empty data chunk is checked too
  expectError(concat([IDENTIFIER, uncompressedChunk(new Uint8Array(0), 1)]), ChunkChecksumError);
});

test('reader errors: every reserved unskippable type fails; every skippable type is ignored', () => {
  for (let type = 0x02; type <= 0x7f; type++) {
    const stream = concat([IDENTIFIER, chunk(type, new Uint8Array(3))]);
    // decided from the header alone, before the body arrives
    const reader = new SnappyFrameReader();
    reader.push(stream.subarray(0, 14));
    assert.equal(reader.read(), undefined);
    assert.ok(reader.error instanceof ReservedChunkError);
    assert.equal(reader.error.chunkType, type);
    assert.equal(reader.error.code, 'ERR_SNAPPY_RESERVED_CHUNK');
  }
  expectError(concat([IDENTIFIER, chunk(0x02, new Uint8Array(0))]), ReservedChunkError);
  for (let type = 0x80; type <= 0xfe; type++) {
    const { out, error } = decodeStream(concat([IDENTIFIER, chunk(type, new Uint8Array(type)), uncompressedChunk(NOP_SID1)]));
    assert.equal(error, undefined, `type 0x${type.toString(16)}`);
    assertChunksEqual(out, [NOP_SID1]);
  }
});

test('reader errors: chunk length limits (76 494 for any chunk, 65 536 decoded, ≥ 4 for data)', () => {
  for (const type of [0x00, 0x01, 0xfe, 0x80]) {
    expectError(concat([IDENTIFIER, chunk(type, new Uint8Array(0), MAX_CHUNK_LENGTH + 1)]), ChunkTooLargeError, (e) => {
      assert.equal(e.length, 76_495);
      assert.equal(e.chunkType, type);
    });
  }
  expectError(concat([IDENTIFIER, chunk(0x01, new Uint8Array(0), 0xffffff)]), ChunkTooLargeError);
  // the largest padding chunk passes
  const { out, error } = decodeStream(concat([IDENTIFIER, chunk(0xfe, new Uint8Array(MAX_CHUNK_LENGTH)), uncompressedChunk(NOP_SID1)]));
  assert.equal(error, undefined);
  assertChunksEqual(out, [NOP_SID1]);
  // uncompressed: 65 536 data bytes pass, 65 537 do not
  const full = sampleBytes(new Rng(3), 65_536, 0);
  assertChunksEqual(decodeStream(concat([IDENTIFIER, uncompressedChunk(full)])).out, [full]);
  const over = sampleBytes(new Rng(3), 65_537, 0);
  expectError(concat([IDENTIFIER, uncompressedChunk(over)]), DecodedChunkTooLargeError, (e) => assert.equal(e.decodedLength, 65_537));
  // compressed: the preamble decides
  const zeros = new Uint8Array(65_537);
  expectError(concat([IDENTIFIER, compressedChunk(zeros)]), DecodedChunkTooLargeError, (e) => assert.equal(e.decodedLength, 65_537));
  assertChunksEqual(decodeStream(concat([IDENTIFIER, compressedChunk(zeros.subarray(1))])).out, [zeros.subarray(1)]);
  for (const type of [0x00, 0x01]) {
    for (let length = 0; length < 4; length++) {
      expectError(concat([IDENTIFIER, chunk(type, new Uint8Array(length))]), ChunkTooShortError, (e) => assert.equal(e.length, length));
    }
  }
});

test('reader errors: truncated and corrupt compressed blocks', () => {
  const data = sampleBytes(new Rng(8), 5000, 0.9);
  const block = compressSync(data);
  const bad = (b: Uint8Array, expected: Uint8Array = data) => concat([IDENTIFIER, compressedChunk(expected, b)]);
  for (const cut of [1, 2, 3, 10, Math.floor(block.length / 2), block.length - 1]) expectError(bad(block.subarray(0, cut)), CorruptBlockError);
  expectError(bad(new Uint8Array(0), new Uint8Array(0)), CorruptBlockError); // no preamble at all
  expectError(bad(Uint8Array.of(0x80, 0x80), new Uint8Array(0)), CorruptBlockError); // unterminated varint
  expectError(bad(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)), CorruptBlockError); // > 2^32 − 1
  expectError(bad(Uint8Array.of(3, 0x00, 0x61, 0x01, 0x00), Uint8Array.of(0x61, 0x61, 0x61)), CorruptBlockError); // copy offset 0
  expectError(bad(Uint8Array.of(6, 0x00, 0x61, 0x01, 0x02), new Uint8Array(6)), CorruptBlockError); // offset before the start
  expectError(bad(Uint8Array.of(2, 0x08, 0x61, 0x62, 0x63), Uint8Array.of(0x61, 0x62)), CorruptBlockError); // literal too long
  expectError(bad(Uint8Array.of(4, 0x04, 0x61, 0x62), Uint8Array.of(0x61, 0x62, 0, 0)), CorruptBlockError); // short output
  expectError(bad(Uint8Array.of(2, 0xf0), Uint8Array.of(0, 0)), CorruptBlockError); // literal length byte missing
  expectError(bad(Uint8Array.of(2, 0x04, 0x61, 0x62, 0x06), Uint8Array.of(0x61, 0x62)), CorruptBlockError); // copy tag cut short
  // Go-compatible leniency: an over-long preamble varint is accepted
  const overlong = concat([Uint8Array.of(0x83, 0x80, 0x00), Uint8Array.of(0x08, 0x61, 0x62, 0x63)]);
  for (const decoder of DECODERS) assertChunksEqual(decodePieces([bad(overlong, Uint8Array.of(0x61, 0x62, 0x63))], decoder).out, [Uint8Array.of(0x61, 0x62, 0x63)]);
});

test('reader errors: the input ends inside a chunk', () => {
  const stream = concat([IDENTIFIER, uncompressedChunk(NOP_SID1)]);
  for (let cut = 1; cut < stream.length; cut++) {
    if (cut === 10) continue; // between chunks: a clean end
    expectError(stream.subarray(0, cut), TruncatedStreamError);
  }
  for (const end of [0, 10, stream.length]) {
    const { error } = decodeStream(stream.subarray(0, end));
    assert.equal(error, undefined);
  }
});

// ------------------------------------------------------------------------------------ fuzz

/** Decode with every decoder; they must agree, and nothing may throw. */
function fuzzOne(stream: Uint8Array, cuts: readonly number[]): void {
  let reference: { out: Uint8Array[]; code: string | undefined } | undefined;
  for (const decoder of ['typescript', 'native'] as const) {
    const { out, reader } = decodePieces(cutAt(stream, cuts), decoder);
    reader.end();
    readAll(reader, out);
    const e = reader.error;
    if (e !== undefined) {
      assert.ok(e instanceof SnappyStreamError);
      assert.equal(typeof e.code, 'string');
    }
    for (const o of out) assert.ok(o.length > 0 && o.length <= 65_536);
    if (reference === undefined) reference = { out, code: e?.code };
    else {
      assert.equal(e?.code, reference.code);
      assertChunksEqual(out, reference.out);
    }
  }
}

test('fuzz: 12 000 random streams never throw, and both decoders agree', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 8 }), (withIdentifier, bytes, cuts) => {
      fuzzOne(withIdentifier ? concat([IDENTIFIER, bytes]) : bytes, cuts);
    }),
    { numRuns: 12_000, seed: 99 },
  );
});

test('fuzz: 12 000 mutated valid streams never throw, and both decoders agree', () => {
  const rng = new Rng(2024);
  const sources: Uint8Array[] = [];
  for (let i = 0; i < 24; i++) {
    const writer = new SnappyFrameWriter({ compress: i % 4 !== 0 });
    const writes = Array.from({ length: 1 + rng.int(4) }, () => sampleBytes(rng, 1 + rng.int(i < 20 ? 600 : 70_000), rng.next()));
    sources.push(concat(writes.flatMap((w) => writer.write(w))));
  }
  const mutationArb = fc.record({ at: fc.nat(), kind: fc.integer({ min: 0, max: 5 }), value: fc.nat(255) });
  fc.assert(
    fc.property(fc.nat(sources.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), (which, mutations, cuts) => {
      let s: Uint8Array = sources[which]!.slice();
      for (const m of mutations) {
        const at = m.at % (s.length + 1);
        if (m.kind === 0 && at < s.length) s[at]! ^= 1 << (m.value & 7); // bit flip
        else if (m.kind === 1 && at < s.length) s[at] = m.value; // byte set
        else if (m.kind === 2) s = concat([s.subarray(0, at), Uint8Array.of(m.value), s.subarray(at)]); // insert
        else if (m.kind === 3) s = concat([s.subarray(0, at), s.subarray(at + 1 + (m.value & 15))]); // delete
        else if (m.kind === 4) s = s.subarray(0, at); // truncate
        else s = concat([s.subarray(0, at), s.subarray(m.value % (s.length + 1))]); // splice
      }
      fuzzOne(s, cuts);
    }),
    { numRuns: 12_000, seed: 31337 },
  );
});

// ---------------------------------------------------------------- TS block decoder vs napi

test('differential: the TypeScript block decoder equals napi uncompress on napi-compressed data', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 70_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (size, share, seed) => {
      const data = sampleBytes(new Rng(seed), size, share);
      const block = compressSync(data);
      const ours = decodeSnappyBlock(block);
      assert.ok(ours.ok);
      assert.ok(Buffer.from(ours.data).equals(uncompressSync(block) as Buffer));
      assert.ok(Buffer.from(ours.data).equals(Buffer.from(data)));
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('differential: hand-built blocks with every tag form (copy-4, long literals, overlaps)', () => {
  fc.assert(
    fc.property(fc.array(elementArb, { minLength: 1, maxLength: 60 }), (elements) => {
      const { block, expected } = buildBlock(elements);
      const ours = decodeSnappyBlock(block);
      assert.ok(ours.ok, ours.ok ? '' : ours.reason);
      assert.ok(Buffer.from(ours.data).equals(Buffer.from(expected)));
      assert.ok((uncompressSync(block) as Buffer).equals(Buffer.from(expected)));
    }),
    { numRuns: 800, seed: 21 },
  );
});

test('differential: on damaged blocks both decoders accept and reject alike', () => {
  fc.assert(
    fc.property(fc.array(elementArb, { minLength: 1, maxLength: 20 }), fc.nat(), fc.nat(255), fc.integer({ min: 0, max: 2 }), (elements, at, value, kind) => {
      const { block } = buildBlock(elements);
      let damaged: Uint8Array = block.slice();
      const i = at % damaged.length;
      if (kind === 0) damaged[i] = value;
      else if (kind === 1) damaged = damaged.subarray(0, i);
      else damaged = concat([damaged, Uint8Array.of(value)]);
      // a damaged preamble may declare gigabytes: both would only say "too large" after allocating
      if ((readBlockPreamble(damaged)?.decodedLength ?? 0) > 1 << 20) return;
      const ours = decodeSnappyBlock(damaged);
      let theirs: Buffer | undefined;
      try {
        theirs = uncompressSync(damaged) as Buffer;
      } catch {
        theirs = undefined;
      }
      assert.equal(ours.ok, theirs !== undefined, ours.ok ? 'napi rejected what we accepted' : `we rejected (${ours.reason}) what napi accepted`);
      if (ours.ok) assert.ok(theirs!.equals(Buffer.from(ours.data)));
    }),
    { numRuns: 3000, seed: 5 },
  );
});
