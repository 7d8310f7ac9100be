/**
 * The snappy framing layer (docs/protocol.md §5): writer and reader per smux write of 1350 B (one KCP
 * segment's worth) and 32 KiB (smux's default max frame), on compressible text and on random
 * bytes; and the two snappy block decoders (TypeScript vs napi) that the reader chooses between.
 * The reader is fed in 1296-byte recvs, about one KCP segment each, so large chunks go through
 * reassembly as they would in the tunnel.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { compressSync, uncompressSync } from 'snappy';
import { decodeSnappyBlock, SnappyFrameReader, SnappyFrameWriter, type BlockDecoderChoice } from '@kcptunb/snappy';
import { markdownTable, measure, type BenchRow } from './harness.js';

const SIZES = [1350, 32 * 1024];
const KCP_PIECE = 1296;

/** English-like text from a small vocabulary: compresses about 2–3× with snappy. */
export function compressibleBytes(n: number, seed = 1): Uint8Array {
  const words = ['the', 'tunnel', 'carries', 'frames', 'over', 'kcp', 'with', 'forward', 'error', 'correction', 'and', 'snappy', 'GET', '/index.html', 'HTTP/1.1', 'Host:', 'example.com', '\r\n'];
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = words[(x >>> 0) % words.length]!;
    for (let i = 0; i < w.length && at < n; i++) out[at++] = w.charCodeAt(i);
    if (at < n) out[at++] = 0x20;
  }
  return out;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, Math.min(at + size, bytes.length)));
  return out;
}

type Intake = 'push' | 'reserve';

/**
 * One op = one write's chunk arriving from KCP in 1296-byte recvs, then one read(). Both intakes
 * include the copy out of KCP's segments: `push` receives into a fresh array per recv (as
 * `new Uint8Array(kcp.readable)` + `kcp.recv`), `reserve` receives into the reader's buffer.
 */
function readerCase(data: Uint8Array, blockDecoder: BlockDecoderChoice, intake: Intake = 'push'): () => void {
  const writer = new SnappyFrameWriter();
  writer.write(new Uint8Array(1)); // the identifier goes out with this first chunk
  const segments = split(concat(writer.write(data)), KCP_PIECE);
  const reader = new SnappyFrameReader({ blockDecoder });
  reader.push(concat(new SnappyFrameWriter().write(new Uint8Array(1))));
  reader.read();
  return () => {
    for (const segment of segments) {
      if (intake === 'push') {
        const received = new Uint8Array(segment.length);
        received.set(segment);
        reader.push(received);
      } else {
        for (let at = 0; at < segment.length; ) {
          const region = reader.reserve(segment.length - at);
          region.set(segment.subarray(at, at + region.length));
          reader.commit(region.length);
          at += region.length;
        }
      }
      if (segment.length === KCP_PIECE) reader.read(); // a real caller reads after every datagram
    }
    const out = reader.read();
    if (out === undefined || out.length !== data.length) throw new Error(`bench reader: ${reader.error?.message ?? 'no data'}`);
  };
}

export function benchSnappyFraming(): BenchRow[] {
  const rows: BenchRow[] = [];
  const options = { unit: 'write' };
  for (const size of SIZES) {
    const inputs = { text: compressibleBytes(size), random: new Uint8Array(randomBytes(size)) };
    for (const [kind, data] of Object.entries(inputs)) {
      const writer = new SnappyFrameWriter();
      rows.push(measure(`writer ${kind} ${size} B`, () => writer.write(data), 1, size, options));
    }
    const plain = new SnappyFrameWriter({ compress: false });
    rows.push(measure(`writer compress:false ${size} B`, () => plain.write(inputs.random), 1, size, options));
    for (const [kind, data] of Object.entries(inputs)) {
      for (const intake of ['push', 'reserve'] as const) {
        rows.push(measure(`reader ${kind} ${size} B (${KCP_PIECE} B recvs, ${intake})`, readerCase(data, 'auto', intake), 1, size, options));
      }
    }
    for (const decoder of ['typescript', 'native'] as const) {
      rows.push(measure(`reader text ${size} B, ${decoder} decoder`, readerCase(inputs.text, decoder), 1, size, options));
    }
  }
  for (const size of [1350, 4096, 8192, 32 * 1024, 64 * 1024]) {
    const block = compressSync(compressibleBytes(size), { copyOutputData: true });
    const blockOptions = { unit: `block (${(block.length / size).toFixed(2)}×)` };
    rows.push(measure(`block decode ${size} B text, typescript`, () => decodeSnappyBlock(block), 1, size, blockOptions));
    rows.push(measure(`block decode ${size} B text, napi`, () => uncompressSync(block, { copyOutputData: true }), 1, size, blockOptions));
    rows.push(measure(`block decode ${size} B text, napi (default options)`, () => uncompressSync(block), 1, size, blockOptions));
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(markdownTable(benchSnappyFraming()));
}
