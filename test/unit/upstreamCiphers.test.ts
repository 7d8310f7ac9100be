/**
 * The two ciphers only upstream kcptun has: aes-128-gcm (docs/protocol.md §1.9) and
 * null (§1.10). Layouts, a known answer, round trips through PacketCrypt, and the
 * drops a forged, truncated or short datagram must cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { AEAD_LAYOUT, BARE_LAYOUT, CIPHER_NAMES, createDatagramCipher, cryptOverhead, deriveKey, KCPTUNB_CIPHER_NAMES, packetLayoutOf, PacketCrypt, PREFIX_LAYOUT } from '@kcptunb/crypt';
import { Snmp } from '@kcptunb/snmp';
import { hex, toHex } from '../support/vectors.js';

const kernels = loadKernels();
const PASS = deriveKey("it's a secrect");
/** The FEC data shard of spec A.4 after the prefix: seqid 0, F1, size 26, one KCP ACK. */
const A4_PAYLOAD = hex('00000000 f100 1a00 44332211 52 00 0002 e8030000 05000000 06000000 00000000');

test('upstream has 15 cipher names: the 13 of kcptunB plus aes-128-gcm and null, each with its layout', () => {
  assert.equal(CIPHER_NAMES.length, 15);
  assert.deepEqual(CIPHER_NAMES.filter((n) => !KCPTUNB_CIPHER_NAMES.includes(n)), ['aes-128-gcm', 'null']);
  for (const n of KCPTUNB_CIPHER_NAMES) assert.equal(packetLayoutOf(n), PREFIX_LAYOUT, n);
  assert.deepEqual([AEAD_LAYOUT.header, AEAD_LAYOUT.trailer, cryptOverhead(AEAD_LAYOUT)], [12, 16, 28]);
  assert.deepEqual([BARE_LAYOUT.header, BARE_LAYOUT.trailer], [0, 0]);
  assert.equal(createDatagramCipher(kernels, 'aes-128-gcm', PASS).layout, AEAD_LAYOUT);
  assert.equal(createDatagramCipher(kernels, 'null', PASS).layout, BARE_LAYOUT);
});

test('aes-128-gcm known answer: nonce 00..0b, key pass[0:16], spec A.4 payload → nonce | ciphertext | tag', () => {
  const cipher = createDatagramCipher(kernels, 'aes-128-gcm', PASS);
  const batch = new DatagramBatch(kernels, 1);
  batch.push(Uint8Array.from([...hex('000102030405060708090a0b'), ...A4_PAYLOAD]));
  cipher.encrypt(batch);
  assert.equal(batch.length(0), 12 + 32 + 16, 'the tag is appended');
  assert.equal(toHex(batch.view(0)), '000102030405060708090a0b538d05c7fb6c5fc19323d9ce5f679570f5ec429d453df549ccf0738e48b0762aa02a58c19778a3e68c4f68c197193e9b');
  // the same bytes open with a plain GCM context and no associated data
  const v = Buffer.from(batch.view(0));
  const d = createDecipheriv('aes-128-gcm', PASS.subarray(0, 16), v.subarray(0, 12));
  d.setAuthTag(v.subarray(v.length - 16));
  assert.equal(toHex(Buffer.concat([d.update(v.subarray(12, v.length - 16)), d.final()])), toHex(A4_PAYLOAD));
  batch.dispose();
  cipher.dispose();
});

for (const name of ['aes-128-gcm', 'null'] as const) {
  test(`PacketCrypt ${name}: seal/open round trip (property); payload() is the bytes after the header`, () => {
    const layout = packetLayoutOf(name);
    const sender = new PacketCrypt(kernels, createDatagramCipher(kernels, name, PASS));
    const receiver = new PacketCrypt(kernels, createDatagramCipher(kernels, name, PASS), { minLength: cryptOverhead(layout) + 24 });
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 24, maxLength: 1500 - cryptOverhead(layout) }), { minLength: 1, maxLength: 40 }), (payloads) => {
        const batch = new DatagramBatch(kernels, payloads.length);
        for (const p of payloads) {
          const slot = batch.push(new Uint8Array(layout.header + p.length));
          batch.view(slot).set(p, layout.header);
        }
        sender.seal(batch);
        payloads.forEach((p, i) => assert.equal(batch.length(i), cryptOverhead(layout) + p.length, 'sealed length'));
        if (name === 'null') payloads.forEach((p, i) => assert.deepEqual(batch.view(i), p, 'null sends the payload as is'));
        const ok = receiver.open(batch);
        payloads.forEach((p, i) => {
          assert.equal(ok[i], 1);
          assert.deepEqual(receiver.payload(batch.view(i)), p);
        });
        batch.dispose();
      }),
      { numRuns: 20, seed: 0x6c },
    );
  });
}

test('aes-128-gcm: a flipped bit anywhere, a wrong key or a cut tag is an InCsumErrors drop; a short datagram InErrs', () => {
  const snmp = new Snmp();
  const sender = new PacketCrypt(kernels, createDatagramCipher(kernels, 'aes-128-gcm', PASS));
  const receiver = new PacketCrypt(kernels, createDatagramCipher(kernels, 'aes-128-gcm', PASS), { snmp, minLength: 52 });
  const wrongKey = new PacketCrypt(kernels, createDatagramCipher(kernels, 'aes-128-gcm', deriveKey('another key')), { snmp: new Snmp(), minLength: 52 });
  const batch = new DatagramBatch(kernels, 8);
  for (let i = 0; i < 8; i++) batch.push(Uint8Array.from({ length: 12 + 100 }, (_, j) => (i * 31 + j) & 0xff));
  sender.seal(batch);
  const sealed = Array.from({ length: 8 }, (_, i) => batch.view(i).slice());
  batch.view(1)[3]! ^= 1; // nonce
  batch.view(2)[40]! ^= 0x80; // ciphertext
  batch.view(3)[batch.length(3) - 1]! ^= 1; // tag
  batch.setLength(4, batch.length(4) - 1); // truncated: the tag no longer lines up
  batch.setLength(5, 51); // below 28 + 24
  const ok = receiver.open(batch);
  assert.deepEqual(Array.from(ok), [1, 0, 0, 0, 0, 0, 1, 1]);
  assert.equal(snmp.get('InCsumErrors'), 4);
  assert.equal(snmp.get('InErrs'), 1);
  const again = new DatagramBatch(kernels, 1);
  again.push(sealed[0]!);
  assert.equal(wrongKey.open(again)[0], 0, 'another key does not verify');
  again.dispose();
  batch.dispose();
});
