/**
 * Reed–Solomon (docs/protocol.md §2.4, Appendix A.5): the naive reference and the WebAssembly codec
 * (both kernel builds) against the klauspost known answers, against each other on random
 * shapes, and through random erasure patterns.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadKernels, type Kernels, type KernelVariant } from '@kcptunb/wasm';
import { ReedSolomon, InvalidShardCountError } from '@kcptunb/fec';
import { buildCodingMatrix, encodeParity, gfInverse, gfMul, gfMulSlow, invertMatrix, multiplyMatrices, reconstructData } from '@kcptunb/reference';
import { hex, reedSolomonVector, toHex } from '../support/vectors.js';

const VARIANTS: KernelVariant[] = ['simd', 'scalar'];

const APPENDIX_A5: Record<string, string[]> = {
  '10+3': ['81 96 af b8 d2 c4 fe e8 03 02', '96 81 b8 af c4 d2 e8 fe 02 03', 'bf d6 62 0a 06 6f df b7 05 04'],
  '3+2': ['01 01 01', '0f 08 06'],
};

/** Shards copied into kernel memory; `read` copies one back out. */
class ShardSet {
  readonly ptrs: number[];
  constructor(
    private readonly k: Kernels,
    count: number,
    readonly len: number,
  ) {
    this.ptrs = Array.from({ length: count }, () => k.alloc(Math.max(1, len), 16));
  }
  write(i: number, data: Uint8Array): void {
    this.k.bytes().set(data, this.ptrs[i]!);
  }
  read(i: number): Uint8Array {
    return this.k.bytes().slice(this.ptrs[i]!, this.ptrs[i]! + this.len);
  }
  fill(i: number, value: number): void {
    this.k.bytes().fill(value, this.ptrs[i]!, this.ptrs[i]! + this.len);
  }
  free(): void {
    for (const p of this.ptrs) this.k.free(p);
  }
}

function randomShards(rng: () => number, count: number, len: number): Uint8Array[] {
  return Array.from({ length: count }, () => Uint8Array.from({ length: len }, () => Math.floor(rng() * 256)));
}

/** A small deterministic PRNG so shard contents need not come from fast-check byte by byte. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Encode with the codec: data in, parity out (all through kernel memory). */
function codecEncode(k: Kernels, rs: ReedSolomon, data: Uint8Array[], len: number): Uint8Array[] {
  const shards = new ShardSet(k, rs.totalShards, len);
  data.forEach((d, i) => shards.write(i, d));
  rs.encode(shards.ptrs.slice(0, rs.dataShards), shards.ptrs.slice(rs.dataShards), len);
  const parity = Array.from({ length: rs.parityShards }, (_, j) => shards.read(rs.dataShards + j));
  shards.free();
  return parity;
}

describe('GF(2^8) reference', () => {
  it('log/exp multiply equals shift-and-add multiply for all pairs', () => {
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) assert.equal(gfMul(a, b), gfMulSlow(a, b));
  });
  it('every non-zero element has an inverse', () => {
    for (let a = 1; a < 256; a++) assert.equal(gfMul(a, gfInverse(a)), 1);
    assert.throws(() => gfInverse(0), RangeError);
  });
  it('invertMatrix gives the identity back', () => {
    const m = buildCodingMatrix(5, 4).slice(2, 7);
    const product = multiplyMatrices(m, invertMatrix(m));
    product.forEach((row, r) => row.forEach((v, c) => assert.equal(v, r === c ? 1 : 0)));
  });
});

describe('Reed–Solomon known answers', () => {
  const vector = reedSolomonVector();

  it('reference reproduces reedsolomon-10-3.txt', () => {
    const parity = encodeParity(10, 3, vector.data);
    parity.forEach((p, j) => assert.equal(toHex(p), toHex(vector.parity[j]!), `parity ${j}`));
  });

  it('reference coding matrix matches Appendix A.5 and has an identity top', () => {
    for (const [shape, rows] of Object.entries(APPENDIX_A5)) {
      const [ds, ps] = shape.split('+').map(Number) as [number, number];
      const m = buildCodingMatrix(ds, ps);
      rows.forEach((row, j) => assert.equal(toHex(m[ds + j]!), toHex(hex(row)), `${shape} row ${j}`));
      for (let r = 0; r < ds; r++) m[r]!.forEach((v, c) => assert.equal(v, r === c ? 1 : 0));
    }
  });

  for (const variant of VARIANTS) {
    it(`codec (${variant}) reproduces reedsolomon-10-3.txt and Appendix A.5`, () => {
      const k = loadKernels({ variant });
      assert.equal(k.exports.kernels_simd(), variant === 'simd' ? 1 : 0);
      const rs = new ReedSolomon(k, 10, 3);
      codecEncode(k, rs, vector.data, 1350).forEach((p, j) => assert.equal(toHex(p), toHex(vector.parity[j]!), `parity ${j}`));
      for (const [shape, rows] of Object.entries(APPENDIX_A5)) {
        const [ds, ps] = shape.split('+').map(Number) as [number, number];
        const codec = new ReedSolomon(k, ds, ps);
        rows.forEach((row, j) => assert.equal(toHex(codec.matrixRow(ds + j)), toHex(hex(row))));
      }
    });

    it(`codec (${variant}) rebuilds the vector's data from every 3-shard loss`, () => {
      const k = loadKernels({ variant });
      const rs = new ReedSolomon(k, 10, 3);
      const shards = new ShardSet(k, 13, 1350);
      [...vector.data, ...vector.parity].forEach((s, i) => shards.write(i, s));
      for (let a = 0; a < 13; a++)
        for (let b = a + 1; b < 13; b++)
          for (let c = b + 1; c < 13; c++) {
            const present = Array.from({ length: 13 }, (_, i) => i !== a && i !== b && i !== c);
            for (const i of [a, b, c]) if (i < 10) shards.fill(i, 0xee);
            assert.equal(rs.reconstruct(shards.ptrs, present, 1350), true);
            for (let i = 0; i < 10; i++) assert.ok(Buffer.from(shards.read(i)).equals(vector.data[i]!), `lost ${a},${b},${c}: shard ${i}`);
          }
      assert.ok(rs.cachedPatterns <= 64, 'decode cache stays bounded');
    });
  }
});

describe('gf_matrix_mul kernel', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: equals the naive product, including 0/1-heavy matrices and odd lengths`, () => {
      const k = loadKernels({ variant });
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 0, max: 300 }),
          fc.constantFrom('dense', 'zeros', 'ones', 'mixed'),
          fc.integer(),
          (rows, cols, len, kind, seed) => {
            const rng = mulberry32(seed);
            const coefficient = (): number => {
              const x = Math.floor(rng() * 256);
              if (kind === 'zeros') return rng() < 0.8 ? 0 : x;
              if (kind === 'ones') return rng() < 0.8 ? 1 : x;
              if (kind === 'mixed') return rng() < 0.6 ? Math.floor(rng() * 2) : x;
              return x;
            };
            const matrix = Uint8Array.from({ length: rows * cols }, coefficient);
            const inputs = randomShards(rng, cols, len);
            const ins = new ShardSet(k, cols, len);
            const outs = new ShardSet(k, rows, len);
            inputs.forEach((d, i) => ins.write(i, d));
            for (let r = 0; r < rows; r++) outs.fill(r, 0xa5); // outputs are overwritten, not accumulated
            const m = k.allocBytes(matrix);
            const ip = k.alloc(4 * cols, 4);
            const op = k.alloc(4 * rows, 4);
            k.u32().set(ins.ptrs, ip >>> 2);
            k.u32().set(outs.ptrs, op >>> 2);
            k.exports.gf_matrix_mul(m, rows, cols, ip, op, len);
            for (let r = 0; r < rows; r++) {
              const expected = new Uint8Array(len);
              for (let c = 0; c < cols; c++) for (let b = 0; b < len; b++) expected[b] = expected[b]! ^ gfMul(matrix[r * cols + c]!, inputs[c]![b]!);
              assert.equal(toHex(outs.read(r)), toHex(expected), `row ${r}`);
            }
            for (const p of [m, ip, op]) k.free(p);
            ins.free();
            outs.free();
          },
        ),
        { numRuns: 120 },
      );
    });
  }
});

describe('codec vs reference', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: parity and reconstruction agree on random shapes up to 128+128`, () => {
      const k = loadKernels({ variant });
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 128 }),
          fc.integer({ min: 1, max: 128 }),
          fc.integer({ min: 0, max: 200 }),
          fc.integer(),
          (ds, ps, len, seed) => {
            const rng = mulberry32(seed);
            const data = randomShards(rng, ds, len);
            const rs = new ReedSolomon(k, ds, ps);
            const parity = codecEncode(k, rs, data, len);
            const expected = encodeParity(ds, ps, data);
            parity.forEach((p, j) => assert.equal(toHex(p), toHex(expected[j]!), `${ds}+${ps} parity ${j}`));

            // Lose up to ps shards at random; both implementations must give back the data.
            const all = [...data, ...parity];
            const lost = new Set<number>();
            const losses = Math.floor(rng() * (ps + 1));
            while (lost.size < losses) lost.add(Math.floor(rng() * (ds + ps)));
            const refData = reconstructData(ds, ps, all.map((s, i) => (lost.has(i) ? null : s)));
            refData.forEach((d, i) => assert.equal(toHex(d), toHex(data[i]!), `reference shard ${i}`));
            const shards = new ShardSet(k, ds + ps, len);
            all.forEach((s, i) => shards.write(i, lost.has(i) ? new Uint8Array(len) : s));
            assert.equal(rs.reconstruct(shards.ptrs, all.map((_, i) => !lost.has(i)), len), true);
            for (let i = 0; i < ds; i++) assert.equal(toHex(shards.read(i)), toHex(data[i]!), `codec shard ${i}`);
            shards.free();
            rs.dispose();
          },
        ),
        { numRuns: 25 },
      );
    });
  }
});

describe('codec recovery', () => {
  /** Encode, erase `lost`, reconstruct, and check the data came back. */
  function roundTrip(k: Kernels, rs: ReedSolomon, shards: ShardSet, data: Uint8Array[], lost: ReadonlySet<number>): boolean {
    const { dataShards: ds, totalShards: n } = rs;
    data.forEach((d, i) => shards.write(i, d));
    rs.encode(shards.ptrs.slice(0, ds), shards.ptrs.slice(ds), shards.len);
    for (const i of lost) shards.fill(i, 0x5a);
    const ok = rs.reconstruct(shards.ptrs, Array.from({ length: n }, (_, i) => !lost.has(i)), shards.len);
    if (ok) for (let i = 0; i < ds; i++) assert.ok(Buffer.from(shards.read(i)).equals(data[i]!), `data shard ${i}`);
    return ok;
  }

  for (const variant of VARIANTS) {
    it(`${variant}: any pattern of up to ps erasures is recovered (fast-check, up to 128+128)`, () => {
      const k = loadKernels({ variant });
      const shape = fc.oneof(
        fc.record({ ds: fc.integer({ min: 1, max: 32 }), ps: fc.integer({ min: 1, max: 32 }) }),
        fc.constant({ ds: 10, ps: 3 }),
        fc.constant({ ds: 128, ps: 128 }),
      );
      fc.assert(
        fc.property(
          shape.chain(({ ds, ps }) =>
            fc.record({
              ds: fc.constant(ds),
              ps: fc.constant(ps),
              lost: fc.uniqueArray(fc.integer({ min: 0, max: ds + ps - 1 }), { maxLength: ps }),
              len: fc.integer({ min: 1, max: 1500 }),
              seed: fc.integer(),
            }),
          ),
          ({ ds, ps, lost, len, seed }) => {
            const rs = new ReedSolomon(k, ds, ps);
            const shards = new ShardSet(k, ds + ps, len);
            assert.equal(roundTrip(k, rs, shards, randomShards(mulberry32(seed), ds, len), new Set(lost)), true);
            shards.free();
            rs.dispose();
          },
        ),
        { numRuns: 60 },
      );
    });

    it(`${variant}: 128+128 with all 128 data shards lost`, () => {
      const k = loadKernels({ variant });
      const rs = new ReedSolomon(k, 128, 128);
      const shards = new ShardSet(k, 256, 1350);
      const lost = new Set(Array.from({ length: 128 }, (_, i) => i));
      assert.equal(roundTrip(k, rs, shards, randomShards(mulberry32(7), 128, 1350), lost), true);
    });

    it(`${variant}: fewer than ds shards present → false, buffers untouched`, () => {
      const k = loadKernels({ variant });
      const rs = new ReedSolomon(k, 4, 2);
      const shards = new ShardSet(k, 6, 64);
      for (let i = 0; i < 6; i++) shards.fill(i, i + 1);
      const present = [false, true, false, true, true, false];
      assert.equal(rs.reconstruct(shards.ptrs, present, 64), false);
      for (let i = 0; i < 6; i++) assert.ok(shards.read(i).every((b) => b === i + 1));
    });

    it(`${variant}: steady state allocates no kernel memory; the decode cache is an LRU of 64`, () => {
      const k = loadKernels({ variant });
      const rs = new ReedSolomon(k, 20, 6);
      const shards = new ShardSet(k, 26, 256);
      const data = randomShards(mulberry32(3), 20, 256);
      const before = k.heap.allocatedBytes;
      assert.equal(roundTrip(k, rs, shards, data, new Set([1, 2])), true);
      const afterFirst = k.heap.allocatedBytes;
      assert.ok(afterFirst > before, 'first use of a pattern caches its decode matrix');
      for (let i = 0; i < 5; i++) assert.equal(roundTrip(k, rs, shards, data, new Set([1, 2])), true);
      assert.equal(k.heap.allocatedBytes, afterFirst, 'a cached pattern allocates nothing');
      for (let a = 0; a < 20; a++) for (let b = a + 1; b < 20; b++) roundTrip(k, rs, shards, data, new Set([a, b, 25]));
      assert.equal(rs.cachedPatterns, 64);
      assert.equal(roundTrip(k, rs, shards, data, new Set([0, 19, 20])), true);
    });
  }
});

describe('invalid parameters', () => {
  it('throw InvalidShardCountError', () => {
    const k = loadKernels({ variant: 'scalar' });
    for (const [ds, ps] of [
      [0, 3],
      [10, 0],
      [-1, 3],
      [200, 57],
      [256, 1],
      [1.5, 2],
      [Number.NaN, 2],
    ] as const) {
      assert.throws(
        () => new ReedSolomon(k, ds, ps),
        (e: unknown) => e instanceof InvalidShardCountError && e.code === 'ERR_INVALID_SHARD_COUNT' && Object.is(e.dataShards, ds),
        `${ds}+${ps}`,
      );
    }
    assert.doesNotThrow(() => new ReedSolomon(k, 128, 128).dispose());
    assert.doesNotThrow(() => new ReedSolomon(k, 255, 1).dispose());
    assert.doesNotThrow(() => new ReedSolomon(k, 1, 255).dispose());
  });

  it('reference rejects them too', () => {
    assert.throws(() => buildCodingMatrix(0, 3), RangeError);
    assert.throws(() => buildCodingMatrix(200, 57), RangeError);
  });

  it('codec rejects wrong pointer counts and lengths', () => {
    const k = loadKernels({ variant: 'scalar' });
    const rs = new ReedSolomon(k, 3, 2);
    assert.throws(() => rs.encode([1, 2], [3, 4], 8), RangeError);
    assert.throws(() => rs.encode([1, 2, 3], [4, 5], -1), RangeError);
    assert.throws(() => rs.reconstruct([1, 2, 3, 4], [true, true, true, true], 8), RangeError);
    rs.dispose();
    assert.throws(() => rs.encode([1, 2, 3], [4, 5], 8));
  });
});
