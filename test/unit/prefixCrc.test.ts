/**
 * The prefix layout's batch CRC in the AES-NI addon (crcSealBatch / crcCheckBatch, docs/protocol.md
 * §1.3, §1.8) against the naive bitwise CRC-32 (packages/reference) on seeded batches of every
 * length 0…1500, and PacketCrypt's native CRC engine against its zlib engine in both directions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatagramBatch, DATAGRAM_STRIDE, loadKernels } from '@kcptunb/wasm';
import { createDatagramCipher, PacketCrypt } from '@kcptunb/crypt';
import { crc32 } from '@kcptunb/reference';
import { aesImplementation, aesniAddon, nativeAes } from '@kcptunb/aesni';
import { S } from '@kcptunb/snmp';

const kernels = loadKernels();
const loaded = aesniAddon();
const addon = loaded.addon;
const needsAddon = { skip: addon ? false : `no AES-NI addon here (${aesImplementation().reason})` };
const HEADER = 20;

/** A seeded 32-bit generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const bytes = (random: () => number, n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const readLE = (d: Uint8Array, at: number) => (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;

test('the naive CRC-32 gives the check value of the catalogue', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('crcSealBatch / crcCheckBatch = the naive CRC-32 on every length 0…1500 (seeded batches of 1…64)', needsAddon, () => {
  const random = seeded(0xc4c_32);
  const lengths = Array.from({ length: DATAGRAM_STRIDE - 3 }, (_, n) => n); // 0…1500
  for (let covered = 0; covered < lengths.length; ) {
    const size = Math.min(1 + Math.floor(random() * 64), lengths.length - covered);
    const datagrams = lengths.slice(covered, covered + size).map((n) => bytes(random, n));
    covered += size;
    const b = new DatagramBatch(kernels, size);
    for (const d of datagrams) b.push(d);
    addon!.crcSealBatch(b.memoryBytes(), b.base, b.stride, b.memoryWords(), b.lens >>> 2, b.count);
    for (let i = 0; i < size; i++) {
      const got = b.view(i);
      const want = datagrams[i]!;
      if (want.length < HEADER) assert.deepEqual([...got], [...want], `a ${want.length}-byte slot is left alone`);
      else {
        assert.equal(readLE(got, 16), crc32(want.subarray(HEADER)), `CRC of a ${want.length}-byte slot`);
        assert.deepEqual([...got.subarray(0, 16)], [...want.subarray(0, 16)], 'the nonce is kept');
        assert.deepEqual([...got.subarray(HEADER)], [...want.subarray(HEADER)], 'the payload is kept');
      }
    }
    // corrupt about a third of the sealed slots, then check: exactly the intact sealed ones pass
    const expect: number[] = [];
    for (let i = 0; i < size; i++) {
      const v = b.view(i);
      let good = v.length >= HEADER ? 1 : 0;
      if (good && random() < 0.35) {
        v[16 + Math.floor(random() * (v.length - 16))]! ^= 1 << Math.floor(random() * 8);
        good = 0;
      }
      expect.push(good);
    }
    const flags = new Uint8Array(size + 3).fill(7);
    const passed = addon!.crcCheckBatch(b.memoryBytes(), b.base, b.stride, b.memoryWords(), b.lens >>> 2, b.count, flags, 2);
    assert.deepEqual([...flags.subarray(2, 2 + size)], expect);
    assert.deepEqual([flags[0], flags[1], flags[size + 2]], [7, 7, 7], 'nothing outside the flags asked for');
    assert.equal(passed, expect.reduce((a, x) => a + x, 0));
    b.dispose();
  }
});

test('crcCheckBatch rejects flags outside their array and arguments of the wrong type', needsAddon, () => {
  const b = new DatagramBatch(kernels, 4);
  for (let i = 0; i < 4; i++) b.push(new Uint8Array(100));
  const args = [b.memoryBytes(), b.base, b.stride, b.memoryWords(), b.lens >>> 2, b.count] as const;
  assert.throws(() => addon!.crcCheckBatch(...args, new Uint8Array(3), 0), RangeError);
  assert.throws(() => addon!.crcCheckBatch(...args, new Uint8Array(4), 1), RangeError);
  assert.throws(() => addon!.crcCheckBatch(...args, new Uint16Array(4) as unknown as Uint8Array, 0), TypeError);
  assert.throws(() => addon!.crcSealBatch(b.memoryBytes(), b.base, 10, b.memoryWords(), b.lens >>> 2, b.count), RangeError, 'a datagram longer than its slot');
  b.dispose();
});

test('PacketCrypt: the native batch CRC and zlib.crc32 interoperate both ways; a flipped bit is an InCsumError', needsAddon, () => {
  const random = seeded(0xa11ce);
  const pass = bytes(random, 32);
  const cipher = createDatagramCipher(kernels, 'aes', pass, { engine: 'native', nativeAes: nativeAes() });
  const native = new PacketCrypt(kernels, cipher, {}, 64);
  const zlib = new PacketCrypt(kernels, cipher, { crc: 'zlib' }, 64);
  assert.equal(native.crcEngine, 'native', 'the AES-NI cipher brings its batch CRC');
  for (const [from, to] of [[native, zlib], [zlib, native]] as const) {
    const payloads = Array.from({ length: 40 }, () => bytes(random, 1 + Math.floor(random() * 1300)));
    const b = new DatagramBatch(kernels, payloads.length);
    for (const p of payloads) {
      const d = new Uint8Array(HEADER + p.length);
      d.set(p, HEADER);
      b.push(d);
    }
    from.seal(b);
    const flipped = new Set([3, 17, 31]);
    for (const i of flipped) b.view(i)[HEADER + Math.floor(random() * payloads[i]!.length)]! ^= 0x10;
    const before = to.snmp.values.slice();
    const flags = [...to.open(b)];
    assert.deepEqual(flags, payloads.map((_, i) => (flipped.has(i) ? 0 : 1)), `${from.crcEngine} → ${to.crcEngine}`);
    for (let i = 0; i < payloads.length; i++) if (!flipped.has(i)) assert.deepEqual([...to.payload(b.view(i))], [...payloads[i]!]);
    assert.equal(to.snmp.values[S.InCsumErrors]! - before[S.InCsumErrors]!, flipped.size, 'the flipped datagrams are counted');
    b.dispose();
  }
  native.dispose();
  zlib.dispose();
});
