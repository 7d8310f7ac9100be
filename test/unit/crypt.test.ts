import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { DatagramBatch, loadKernels, type Kernels, type KernelVariant } from '@kcptunb/wasm';
import {
  KCPTUNB_CIPHER_NAMES,
  createDatagramCipher,
  deriveKey,
  deriveXorTable,
  InvalidKeyError,
  NodeCfbCipher,
  NODE_ALGORITHMS,
  PacketCrypt,
  UnknownCipherError,
  type CipherEngine,
  type NodeCipherName,
} from '@kcptunb/crypt';
import { Snmp } from '@kcptunb/snmp';
import { cipherVectors, hex, toHex } from '../support/vectors.js';

const VARIANTS: KernelVariant[] = ['scalar', 'simd'];
const kernels: Record<KernelVariant, Kernels> = { scalar: loadKernels({ variant: 'scalar' }), simd: loadKernels({ variant: 'simd' }) };
const PASS = deriveKey("it's a secrect");

/** Every (name, engine) combination that exists. */
function engines(name: string): CipherEngine[] {
  return name in NODE_ALGORITHMS ? ['wasm', 'node'] : ['wasm'];
}

function batchOf(k: Kernels, datagrams: Uint8Array[]): DatagramBatch {
  const b = new DatagramBatch(k, Math.max(1, datagrams.length));
  for (const d of datagrams) b.push(d);
  return b;
}

test('key derivation: spec A.1 and the xor table of A.2', () => {
  assert.equal(toHex(PASS), '25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444');
  const table = deriveXorTable(PASS);
  assert.equal(table.length, 1500);
  assert.equal(toHex(table.subarray(0, 32)), '0ffe8987ad94757154791bc8fa01b62c6bce0106b2954013cd523fbc1f7aac8c');
});

test('ciphers.txt: every line reproduced by every engine and kernel variant', () => {
  const { key, plaintext, ciphertexts } = cipherVectors();
  assert.deepEqual(key, PASS);
  assert.equal(ciphertexts.size, 12);
  for (const [name, expected] of ciphertexts) {
    for (const variant of VARIANTS) {
      for (const engine of engines(name)) {
        const k = kernels[variant];
        const cipher = createDatagramCipher(k, name, PASS, { engine });
        const batch = batchOf(k, [plaintext]);
        cipher.encrypt(batch);
        assert.equal(toHex(batch.view(0)), toHex(expected), `${name} ${engine} ${variant} encrypt`);
        cipher.decrypt(batch);
        assert.equal(toHex(batch.view(0)), toHex(plaintext), `${name} ${engine} ${variant} decrypt`);
        batch.dispose();
        cipher.dispose();
      }
    }
  }
});

test('spec A.4: one 52-byte datagram, nonce 00..0f, sealed exactly', () => {
  const body = hex('00000000 f100 1a00 44332211 52 00 0002 e8030000 05000000 06000000 00000000');
  const expected: Record<string, string> = {
    aes: '86834343335b168ca911bf584a05f9902d38197b38973c8ff7af09121932296775f68dd37daa455cc4683318ff1c58fdafefdd1e',
    'aes-128': 'ddd7e0a7981ba3e2a7f6d51f2a26631866159ee5ea18c8d33f44f14010b267ad0816e77857214a1b4cb3578362c81be2b6c3d371',
    salsa20: '00010203040506079aaa6e7faf75365c638000bb186ef253839341043acba94438e920fc622913c168777caa70ec6a4ab1a21778',
    xor: '0fff8b84a99173765c7011c3f60cb82358fb65b4b29540133c5225bc5b498e9da2af663daf98134e20a0d0f7982f3a02efbfde43',
    none: '000102030405060708090a0b0c0d0e0f333564b200000000f1001a004433221152000002e80300000500000006000000' + '00000000',
  };
  for (const variant of VARIANTS) {
    const k = kernels[variant];
    for (const [name, hexOut] of Object.entries(expected)) {
      for (const engine of engines(name)) {
        const datagram = new Uint8Array(52);
        datagram.set(body, 20);
        const batch = batchOf(k, [datagram]);
        const nonce = k.allocBytes(Uint8Array.from({ length: 16 }, (_, i) => i));
        k.exports.prefix_seal_batch(batch.base, batch.stride, batch.lens, 1, nonce);
        assert.equal(toHex(batch.view(0).subarray(16, 20)), '333564b2', 'CRC-32 stored little-endian');
        const cipher = createDatagramCipher(k, name, PASS, { engine });
        cipher.encrypt(batch);
        assert.equal(toHex(batch.view(0)), hexOut, `${name} ${engine} ${variant}`);
        cipher.dispose();
        batch.dispose();
        k.free(nonce);
      }
    }
  }
});

test('property: encrypt∘decrypt is the identity for every cipher, engine and variant', () => {
  for (const name of KCPTUNB_CIPHER_NAMES) {
    for (const engine of engines(name)) {
      for (const variant of VARIANTS) {
        const k = kernels[variant];
        const cipher = createDatagramCipher(k, name, PASS, { engine });
        fc.assert(
          fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 1500 }), { minLength: 1, maxLength: 40 }), (datagrams) => {
            const batch = batchOf(k, datagrams);
            cipher.encrypt(batch);
            cipher.decrypt(batch);
            datagrams.forEach((d, i) => assert.deepEqual(batch.view(i), d));
            batch.dispose();
          }),
          { numRuns: 15 },
        );
        cipher.dispose();
      }
    }
  }
});

test('node:crypto engine: column-wise and per-datagram encryption agree with one OpenSSL CFB run per datagram', () => {
  const k = kernels.simd;
  for (const name of Object.keys(NODE_ALGORITHMS) as NodeCipherName[]) {
    const { cfb, block } = NODE_ALGORITHMS[name];
    const key = PASS.subarray(0, name === 'aes' ? 32 : name === 'aes-192' || name === '3des' ? 24 : 16);
    const iv = hex('a7734f9c12ac1b01a415f2c1fc78e66b').subarray(0, block);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 1500 }), { minLength: 1, maxLength: 70 }), (datagrams) => {
        const expected = datagrams.map((d) => new Uint8Array(createCipheriv(cfb, key, iv).update(d)));
        const cipher = new NodeCfbCipher(k, name, key);
        for (const mode of ['columns', 'each'] as const) {
          const batch = batchOf(k, datagrams);
          if (mode === 'columns') cipher.encryptByColumns(batch);
          else cipher.encryptEach(batch);
          expected.forEach((e, i) => assert.deepEqual(batch.view(i), e, `${name} ${mode} #${i}`));
          cipher.decrypt(batch);
          datagrams.forEach((d, i) => assert.deepEqual(batch.view(i), d));
          batch.dispose();
        }
        cipher.dispose();
      }),
      { numRuns: 10 },
    );
  }
});

test('PacketCrypt: seal/open round trip across CRC engines; wrong key, corruption and short datagrams are dropped and counted', () => {
  const k = kernels.simd;
  for (const [i, name] of KCPTUNB_CIPHER_NAMES.entries()) {
    const snmp = new Snmp();
    // alternate which side uses zlib.crc32 and which the WASM kernel: the two must agree
    const [sendCrc, recvCrc] = i % 2 ? (['wasm', 'zlib'] as const) : (['zlib', 'wasm'] as const);
    const sender = new PacketCrypt(k, createDatagramCipher(k, name, PASS), { crc: sendCrc });
    const receiver = new PacketCrypt(k, createDatagramCipher(k, name, PASS), { snmp, minLength: 44, crc: recvCrc });
    const payloads = Array.from({ length: 30 }, (_, i) => {
      const d = new Uint8Array(44 + ((i * 97) % 1400));
      d.set(randomBytes(d.length - 20), 20);
      return d;
    });
    const batch = batchOf(k, payloads);
    sender.seal(batch);
    const sealed = payloads.map((_, i) => batch.view(i).slice());
    // corrupt #3 (any byte after the nonce: CFB/xor/salsa20 all propagate it into the CRC check)
    batch.view(3)[30]! ^= 0x40;
    // make #5 short
    batch.setLength(5, 43);
    const ok = receiver.open(batch);
    for (let i = 0; i < payloads.length; i++) {
      if (i === 3 || i === 5) {
        assert.equal(ok[i], 0, `${name}: #${i} must fail`);
        continue;
      }
      assert.equal(ok[i], 1, `${name}: #${i} must pass`);
      assert.deepEqual(batch.view(i).subarray(20), payloads[i]!.subarray(20));
    }
    assert.equal(snmp.get('InErrs'), 1);
    assert.equal(snmp.get('InCsumErrors'), 1, 'the corrupted datagram failed its CRC');
    if (name !== 'none') {
      const wrong = new PacketCrypt(k, createDatagramCipher(k, name, deriveKey('another key')), { snmp: new Snmp() });
      const again = batchOf(k, sealed);
      const flags = wrong.open(again);
      assert.equal(flags.reduce((a, b) => a + b, 0), 0, `${name}: wrong key must fail every CRC`);
      assert.equal(wrong.snmp.get('InCsumErrors'), sealed.length);
      again.dispose();
      wrong.dispose();
    }
    batch.dispose();
    sender.dispose();
    receiver.dispose();
  }
});

test('bad parameters are typed errors at construction', () => {
  const k = kernels.simd;
  assert.throws(() => createDatagramCipher(k, 'rot13', PASS), UnknownCipherError);
  assert.throws(() => createDatagramCipher(k, 'aes', PASS.subarray(0, 16)), InvalidKeyError);
  assert.throws(() => createDatagramCipher(k, 'blowfish', PASS, { engine: 'node' }), UnknownCipherError);
  const e = (() => {
    try {
      createDatagramCipher(k, 'AES', PASS);
    } catch (err) {
      return err as UnknownCipherError;
    }
    return undefined;
  })();
  assert.ok(e instanceof UnknownCipherError);
  assert.equal(e.code, 'ERR_UNKNOWN_CIPHER');
  assert.match(e.message, /allowed: aes, aes-128/);
});
