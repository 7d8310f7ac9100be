/**
 * Real-peer test of the two upstream-only packet layouts (docs/protocol.md §1.9, §1.10):
 * upstream's kcptun-client 20260126 seals and FEC-encodes; our PacketCrypt must open
 * every datagram, our sealing must reproduce each one byte for byte from its payload
 * (and, for aes-128-gcm, its nonce), and our FEC encoder must reproduce data and parity
 * shards at the layout's header offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { createDatagramCipher, cryptOverhead, deriveKey, packetLayoutOf, PacketCrypt } from '@kcptunb/crypt';
import { FEC_TYPE_DATA, FEC_TYPE_PARITY, FecEncoder, readSeqid, readType } from '@kcptunb/fec';
import { Snmp } from '@kcptunb/snmp';
import { captureKcptunClient } from '../support/kcptunCapture.js';
import { parseSegments } from '../support/kcpSegments.js';
import { toHex } from '../support/vectors.js';

const KEY = 'upstream key ' + randomBytes(4).toString('hex');
const kernels = loadKernels();

for (const crypt of ['aes-128-gcm', 'null'] as const) {
  for (const fec of [true, false]) {
    test(`upstream kcptun-client --crypt ${crypt} FEC ${fec ? '10/3' : 'off'}: every datagram opens, reseals byte for byte${fec ? ', and FEC shards are reproduced' : ''}`, async () => {
      const layout = packetLayoutOf(crypt);
      const captured = await captureKcptunClient({
        peer: 'upstream', crypt, key: KEY, nocomp: true, datashard: fec ? 10 : 0, parityshard: fec ? 3 : 0,
        tcpPayload: randomBytes(48 * 1024), minDatagrams: 40, timeoutMs: 8000,
      });
      // every full-sized datagram is exactly the mtu: the crypt overhead is what the layout says
      assert.ok(captured.some((d) => d.length === 1350), 'full datagrams are 1350 bytes');

      const snmp = new Snmp();
      const receiver = new PacketCrypt(kernels, createDatagramCipher(kernels, crypt, deriveKey(KEY)), { snmp, minLength: cryptOverhead(layout) + 24 });
      const batch = new DatagramBatch(kernels, captured.length);
      for (const d of captured) batch.push(d);
      const ok = receiver.open(batch);
      assert.equal(ok.reduce((a, b) => a + b, 0), captured.length, `all ${captured.length} open (InErrs ${snmp.get('InErrs')}, InCsumErrors ${snmp.get('InCsumErrors')})`);
      const payloads = captured.map((_, i) => receiver.payload(batch.view(i)).slice());
      assert.deepEqual(payloads.map((p) => p.length), captured.map((d) => d.length - cryptOverhead(layout)));
      batch.dispose();

      // our sealing, given the same payload and nonce, produces upstream's datagram
      const sealer = createDatagramCipher(kernels, crypt, deriveKey(KEY));
      const again = new DatagramBatch(kernels, captured.length);
      captured.forEach((d, i) => {
        const slot = again.push(new Uint8Array(layout.header + payloads[i]!.length));
        again.view(slot).set(d.subarray(0, layout.header)); // upstream's nonce
        again.view(slot).set(payloads[i]!, layout.header);
      });
      sealer.encrypt(again);
      captured.forEach((d, i) => assert.equal(toHex(again.view(i)), d.toString('hex'), `datagram #${i} resealed`));
      again.dispose();
      sealer.dispose();

      const convs = new Set<number>();
      if (fec) {
        const bySeqid = new Map<number, Uint8Array>();
        for (const p of payloads) {
          assert.ok([FEC_TYPE_DATA, FEC_TYPE_PARITY].includes(readType(p)), `type ${readType(p).toString(16)}`);
          bySeqid.set(readSeqid(p), p);
        }
        const groups = Math.floor((Math.max(...bySeqid.keys()) + 1) / 13);
        assert.ok(groups >= 2, `two complete FEC groups (have ${groups})`);
        const encoder = new FecEncoder(kernels, 10, 3, { cryptHeader: layout.header });
        const out = new DatagramBatch(kernels, 16);
        let parity = 0;
        for (let s = 0; s < groups * 13; s++) {
          const p = bySeqid.get(s);
          assert.ok(p, `seqid ${s} captured`);
          if (readType(p) !== FEC_TYPE_DATA) continue;
          for (const seg of parseSegments(p.subarray(8))) convs.add(seg.conv);
          out.clear();
          encoder.encode(out, p.subarray(8));
          for (let i = 0; i < out.count; i++) {
            const mine = out.view(i).subarray(layout.header);
            assert.equal(toHex(mine), toHex(bySeqid.get(readSeqid(mine))!), `shard ${readSeqid(mine)} reproduced`);
            if (readType(mine) === FEC_TYPE_PARITY) parity++;
          }
        }
        assert.equal(parity, groups * 3);
        out.dispose();
        encoder.dispose();
      } else {
        for (const p of payloads) for (const seg of parseSegments(p)) convs.add(seg.conv);
      }
      assert.equal(convs.size, 1, 'one conv throughout');
      receiver.dispose();
    });
  }
}
