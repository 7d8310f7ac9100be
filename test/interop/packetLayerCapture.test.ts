/**
 * Real-peer test of the packet layer: Debian's kcptun-client encrypts and
 * FEC-encodes; our crypt and FEC layers must decode every datagram, and our
 * encoder must reproduce its data and parity datagrams byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { KCPTUNB_CIPHER_NAMES, createDatagramCipher, deriveKey, PacketCrypt } from '@kcptunb/crypt';
import { FEC_TYPE_DATA, FEC_TYPE_PARITY, FecEncoder, readSeqid, readType } from '@kcptunb/fec';
import { Snmp } from '@kcptunb/snmp';
import { captureKcptunClient } from '../support/kcptunCapture.js';
import { parseSegments } from '../support/kcpSegments.js';
import { toHex } from '../support/vectors.js';

const SNAPPY_IDENTIFIER = 'ff060000734e61507059';
const KEY = 'interop key ' + randomBytes(4).toString('hex');
const kernels = loadKernels();

for (const crypt of KCPTUNB_CIPHER_NAMES) {
  test(`kcptun-client --crypt ${crypt} --ds 10 --ps 3: every datagram decodes; parity, conv and snappy identifier check out`, async () => {
    const captured = await captureKcptunClient({ crypt, key: KEY, tcpPayload: randomBytes(48 * 1024), minDatagrams: 40, timeoutMs: 8000 });

    // 1. crypto prefix: decrypt and CRC with our layer
    const snmp = new Snmp();
    const receiver = new PacketCrypt(kernels, createDatagramCipher(kernels, crypt, deriveKey(KEY)), { snmp, minLength: 52 });
    const batch = new DatagramBatch(kernels, captured.length);
    for (const d of captured) batch.push(d);
    const ok = receiver.open(batch);
    assert.equal(ok.reduce((a, b) => a + b, 0), captured.length, `all ${captured.length} datagrams pass the CRC (InErrs ${snmp.get('InErrs')}, InCsumErrors ${snmp.get('InCsumErrors')})`);
    const plain = captured.map((_, i) => batch.view(i).slice(20));
    batch.dispose();
    receiver.dispose();

    // 2. FEC headers: seqids 0.. without gaps on loopback, F1 for positions < 10, F2 otherwise
    const bySeqid = new Map<number, Uint8Array>();
    for (const p of plain) {
      const type = readType(p);
      const seqid = readSeqid(p);
      assert.ok(type === FEC_TYPE_DATA || type === FEC_TYPE_PARITY, `type ${type.toString(16)}`);
      assert.equal(type === FEC_TYPE_DATA, seqid % 13 < 10, `seqid ${seqid} has the type its group position implies`);
      bySeqid.set(seqid, p);
    }
    const top = Math.max(...bySeqid.keys());
    for (let s = 0; s <= top; s++) assert.ok(bySeqid.has(s), `seqid ${s} captured`);
    const fullGroups = Math.floor((top + 1) / 13);
    assert.ok(fullGroups >= 2, `at least two complete FEC groups (have ${fullGroups})`);

    // 3. our encoder, fed the same KCP datagrams, emits identical data AND parity datagrams
    const encoder = new FecEncoder(kernels, 10, 3);
    const out = new DatagramBatch(kernels, 16);
    let compared = 0;
    let parityCompared = 0;
    for (let s = 0; s < fullGroups * 13; s++) {
      const p = bySeqid.get(s)!;
      if (readType(p) !== FEC_TYPE_DATA) continue;
      out.clear();
      encoder.encode(out, p.subarray(8));
      for (let i = 0; i < out.count; i++) {
        const mine = out.view(i).subarray(20);
        const theirs = bySeqid.get(readSeqid(mine))!;
        assert.equal(toHex(mine), toHex(theirs), `datagram seqid ${readSeqid(mine)} reproduced`);
        compared++;
        if (readType(mine) === FEC_TYPE_PARITY) parityCompared++;
      }
    }
    assert.equal(compared, fullGroups * 13);
    assert.equal(parityCompared, fullGroups * 3);
    out.dispose();
    encoder.dispose();

    // 4. KCP: one conv everywhere; the first PUSH (sn 0) starts with the snappy stream identifier
    const convs = new Set<number>();
    let first: Uint8Array | undefined;
    for (const p of plain) {
      if (readType(p) !== FEC_TYPE_DATA) continue;
      const size = p[6]! | (p[7]! << 8);
      assert.equal(size, p.length - 6, 'size field counts itself');
      for (const seg of parseSegments(p.subarray(8))) {
        convs.add(seg.conv);
        assert.ok(seg.cmd >= 81 && seg.cmd <= 84, `cmd ${seg.cmd}`);
        if (seg.cmd === 81 && seg.sn === 0) first = seg.payload;
      }
    }
    assert.equal(convs.size, 1, 'a single conv in every segment');
    assert.ok(first, 'the PUSH with sn 0 was captured');
    assert.equal(toHex(first.subarray(0, 10)), SNAPPY_IDENTIFIER);
  });
}
