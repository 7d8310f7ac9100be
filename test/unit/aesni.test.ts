/**
 * The AES-NI engine (@kcptunb/aesni) against known answers (FIPS-197 key expansion, SP 800-38A
 * CFB128, kcptun's ciphers.txt and spec A.4) and, differentially, against the node:crypto engine
 * and the naive reference (packages/reference) on seeded random batches: every datagram length
 * 0…1504, batch sizes 1…256, all three key sizes. The engine must load on Linux x86 with AES-NI;
 * elsewhere its tests are skipped with the reason and the fallback is checked (aesniArguments).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DatagramBatch, DATAGRAM_STRIDE, loadKernels } from '@kcptunb/wasm';
import { CFB_IV, createDatagramCipher, deriveKey, NodeCfbCipher, type DatagramCipher, type NativeAesEngine, type NativeAesName } from '@kcptunb/crypt';
import { Aes, cfbEncrypt } from '@kcptunb/reference';
import { aesImplementation, nativeAes } from '@kcptunb/aesni';
import { cipherVectors, hex, toHex } from '../support/vectors.js';

const kernels = loadKernels();
const engine = nativeAes();
const cpuHasAes = process.platform === 'linux' && process.arch === 'x64' && /^flags\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
const needsEngine = { skip: engine ? false : `no AES-NI engine here (${aesImplementation().reason})` };
const NAMES: { name: NativeAesName; keyBytes: number }[] = [
  { name: 'aes-128', keyBytes: 16 },
  { name: 'aes-192', keyBytes: 24 },
  { name: 'aes', keyBytes: 32 },
];

/** A seeded 32-bit generator (mulberry32), so every run tests the same batches. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function bytes(random: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

function batchOf(datagrams: Uint8Array[]): DatagramBatch {
  const b = new DatagramBatch(kernels, Math.max(1, datagrams.length));
  for (const d of datagrams) b.push(d);
  return b;
}

function run(cipher: DatagramCipher, datagrams: Uint8Array[], op: 'encrypt' | 'decrypt'): string[] {
  const b = batchOf(datagrams);
  cipher[op](b);
  const out = Array.from({ length: b.count }, (_, i) => toHex(b.view(i)));
  b.dispose();
  return out;
}

test('the AES-NI engine loads wherever the CPU has AES-NI (Linux x86-64) unless KCPTUNB_AES=node', () => {
  if (cpuHasAes && process.env.KCPTUNB_AES !== 'node') assert.ok(engine, `expected the AES-NI engine: ${aesImplementation().reason}`);
  else assert.equal(engine, undefined);
  assert.equal(aesImplementation().kind, engine ? 'aes-ni' : 'node:crypto');
});

test('FIPS-197 appendix A: the last round key of each key size', needsEngine, () => {
  const e = engine as NativeAesEngine;
  const cases = [
    { key: '2b7e151628aed2a6abf7158809cf4f3c', rounds: 10, last: 'd014f9a8c9ee2589e13f0cc8b6630ca6' },
    { key: '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b', rounds: 12, last: 'e98ba06f448c773c8ecc720401002202' },
    { key: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4', rounds: 14, last: 'fe4890d1e6188d0b046df344706c631e' },
  ];
  for (const c of cases) {
    const schedule = e.expandKey(hex(c.key));
    assert.equal(schedule.length, 240);
    assert.equal(toHex(schedule.subarray(0, c.key.length / 2)), c.key, 'round key 0 is the key');
    assert.equal(toHex(schedule.subarray(16 * c.rounds, 16 * c.rounds + 16)), c.last, `${c.key.length * 4}-bit key`);
  }
});

test('SP 800-38A F.3.13: CFB128-AES128 with its own IV, as one 64-byte datagram and as 1…63-byte prefixes', needsEngine, () => {
  const e = engine as NativeAesEngine;
  const schedule = e.expandKey(hex('2b7e151628aed2a6abf7158809cf4f3c'));
  const iv = hex('000102030405060708090a0b0c0d0e0f');
  const plain = hex('6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710');
  const cipher = hex('3b3fd92eb72dad20333449f8e83cfb4a c8a64537a0b3a93fcde3cdad9f1ce58b 26751f67a3cbb140b1808cf187a4f4df c04b05357c5d1c0eeac4c66f9ff7f2e6');
  const prefixes = Array.from({ length: 64 }, (_, n) => plain.subarray(0, n + 1));
  const b = batchOf(prefixes);
  const call = (op: 'cfbEncryptBatch' | 'cfbDecryptBatch') => e[op](schedule, 10, iv, b.memoryBytes(), b.base, b.stride, b.memoryWords(), b.lens >>> 2, b.count);
  call('cfbEncryptBatch');
  for (let i = 0; i < b.count; i++) assert.equal(toHex(b.view(i)), toHex(cipher.subarray(0, i + 1)), `${i + 1} bytes`);
  call('cfbDecryptBatch');
  for (let i = 0; i < b.count; i++) assert.equal(toHex(b.view(i)), toHex(plain.subarray(0, i + 1)), `${i + 1} bytes back`);
  b.dispose();
});

test('ciphers.txt and spec A.4: aes, aes-128, aes-192 on the AES-NI engine', needsEngine, () => {
  const { key, plaintext, ciphertexts } = cipherVectors();
  for (const { name } of NAMES) {
    const cipher = createDatagramCipher(kernels, name, key, { nativeAes: engine });
    assert.equal(cipher.engine, 'aes-ni', 'auto picks the injected engine for AES');
    const expected = ciphertexts.get(name)!;
    assert.deepEqual(run(cipher, [plaintext], 'encrypt'), [toHex(expected)], `${name} encrypt`);
    assert.deepEqual(run(cipher, [expected], 'decrypt'), [toHex(plaintext)], `${name} decrypt`);
    cipher.dispose();
  }
  // spec A.4: one sealed 52-byte datagram, nonce 00..0f
  const pass = deriveKey("it's a secrect");
  const body = hex('00000000 f100 1a00 44332211 52 00 0002 e8030000 05000000 06000000 00000000');
  const sealed: Record<string, string> = {
    aes: '86834343335b168ca911bf584a05f9902d38197b38973c8ff7af09121932296775f68dd37daa455cc4683318ff1c58fdafefdd1e',
    'aes-128': 'ddd7e0a7981ba3e2a7f6d51f2a26631866159ee5ea18c8d33f44f14010b267ad0816e77857214a1b4cb3578362c81be2b6c3d371',
  };
  for (const [name, want] of Object.entries(sealed)) {
    const datagram = new Uint8Array(52);
    datagram.set(body, 20);
    const b = batchOf([datagram]);
    const nonce = kernels.allocBytes(Uint8Array.from({ length: 16 }, (_, i) => i));
    kernels.exports.prefix_seal_batch(b.base, b.stride, b.lens, 1, nonce);
    const cipher = createDatagramCipher(kernels, name, pass, { engine: 'native', nativeAes: engine });
    cipher.encrypt(b);
    assert.equal(toHex(b.view(0)), want, `${name} sealed`);
    cipher.dispose();
    b.dispose();
    kernels.free(nonce);
  }
});

test('every length 0…1504 in seeded batches of 1…256: AES-NI = node:crypto engine, decrypt ∘ encrypt = identity', needsEngine, () => {
  const random = seeded(0x5eed_ae5);
  for (const { name, keyBytes } of NAMES) {
    const pass = bytes(random, 32);
    const ni = createDatagramCipher(kernels, name, pass, { engine: 'native', nativeAes: engine });
    const node = new NodeCfbCipher(kernels, name, pass.subarray(0, keyBytes));
    const lengths = Array.from({ length: DATAGRAM_STRIDE + 1 }, (_, n) => n);
    for (let i = lengths.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [lengths[i], lengths[j]] = [lengths[j]!, lengths[i]!];
    }
    // batch sizes: the lane-count edges first (1, 7, 8, 9, 256), then seeded sizes up to 256
    const sizes = [1, 7, 8, 9, 256];
    let covered = 0;
    for (let k = 0; covered < lengths.length; k++) {
      const size = Math.min(k < sizes.length ? sizes[k]! : 1 + Math.floor(random() * 256), lengths.length - covered);
      const datagrams = lengths.slice(covered, covered + size).map((n) => bytes(random, n));
      covered += size;
      const want = run(node, datagrams, 'encrypt');
      const got = run(ni, datagrams, 'encrypt');
      assert.deepEqual(got, want, `${name}: batch of ${size}`);
      const back = run(ni, got.map(hex), 'decrypt');
      assert.deepEqual(back, datagrams.map(toHex), `${name}: batch of ${size} decrypted`);
    }
    ni.dispose();
    node.dispose();
  }
});

test('seeded property: AES-NI = the naive reference (FIPS-197 AES, full-block CFB) on random keys and batches', needsEngine, () => {
  const length = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: DATAGRAM_STRIDE }), fc.constantFrom(DATAGRAM_STRIDE, 1350, 16, 17, 15));
  const datagrams = fc.array(length.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), { minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(fc.constantFrom(...NAMES), fc.uint8Array({ minLength: 32, maxLength: 32 }), datagrams, ({ name, keyBytes }, pass, ds) => {
      const key = pass.subarray(0, keyBytes);
      const aes = new Aes(key);
      const want = ds.map((d) => toHex(cfbEncrypt(aes, CFB_IV, d.slice())));
      const ni = createDatagramCipher(kernels, name, pass, { engine: 'native', nativeAes: engine });
      assert.deepEqual(run(ni, ds, 'encrypt'), want);
      assert.deepEqual(run(ni, want.map(hex), 'decrypt'), ds.map(toHex));
    }),
    { numRuns: 60, seed: 0x0ae5 },
  );
});
