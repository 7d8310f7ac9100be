/**
 * crypt + FEC + KCP (KcpSession) on the lossy simulator: real sealed datagrams
 * cross a link that drops, delays, reorders, duplicates and corrupts them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { KcpSession } from '@kcptunb/session';
import { createDatagramCipher, deriveKey, PacketCrypt } from '@kcptunb/crypt';
import { applyMode, DEFAULT_KCP_CONFIG } from '@kcptunb/kcp';
import { LossyLink } from '../support/lossyLink.js';
import { Rng } from '../support/random.js';
import { SessionEndpoint } from '../support/sessionEndpoint.js';
import { runSimulation } from '../support/simulation.js';

const kernels = loadKernels();
const pass = deriveKey('simulated');
const MiB = 1 << 20;

for (const [crypt, ds, ps] of [
  ['aes', 10, 3],
  ['salsa20', 10, 3],
  ['none', 0, 0],
  ['twofish', 4, 2],
  ['aes-128-gcm', 10, 3],
  ['aes-128-gcm', 0, 0],
] as const) {
  test(`KcpSession --crypt ${crypt} --ds ${ds} --ps ${ps}: 8 MiB each way through 5% loss, reordering, duplication, corruption`, () => {
    const rng = new Rng(77);
    const profile = { loss: 0.05, delayMs: 20, jitterMs: 15, duplicate: 0.02, corrupt: 0.01 };
    const aToB = new LossyLink(profile, rng);
    const bToA = new LossyLink(profile, rng);
    const kcp = applyMode({ ...DEFAULT_KCP_CONFIG, sndWnd: 512, rcvWnd: 512 }, 'fast2');
    const mk = (link: LossyLink, seed: number) =>
      new SessionEndpoint(kernels, {
        session: { conv: 0xc0ffee, kcp, cipher: createDatagramCipher(kernels, crypt, pass), dataShards: ds, parityShards: ps },
        link,
        sendBytes: 8 * MiB,
        seed,
      });
    const a = mk(aToB, 1);
    const b = mk(bToA, 2);
    const r = runSimulation(a, b, aToB, bToA, { done: () => a.received === 8 * MiB && b.received === 8 * MiB, maxVirtualMs: 3600_000 });
    assert.ok(r.finished, `finished (a ${a.received}, b ${b.received})`);
    assert.equal(b.receivedDigest(), a.sentDigest());
    assert.equal(a.receivedDigest(), b.sentDigest());
    const snmp = b.session.snmp;
    assert.ok(snmp.get('InCsumErrors') > 0, 'corrupted datagrams were caught by the CRC');
    if (ds > 0) {
      assert.ok(snmp.get('FECRecovered') > 0, 'FEC recovered lost shards');
      assert.ok(snmp.get('FECParityShards') > 0);
    }
    assert.equal(a.session.snmp.get('OutPkts'), aToB.stats.sent, 'every sealed datagram was handed to the link');
    assert.equal(snmp.get('InPkts'), aToB.stats.delivered, 'every delivered datagram was counted in');
    a.session.close();
    b.session.close();
  });
}

for (const [ds, ps] of [[0, 0], [10, 3]] as const) {
  test(`KcpSession --ds ${ds} --ps ${ps}: peerRestarted only for another conv whose first segment is a PUSH of sn 0`, () => {
    const cipher = () => createDatagramCipher(kernels, 'aes', pass);
    const kcp = { ...DEFAULT_KCP_CONFIG };
    const wire: Uint8Array[] = [];
    const mk = (conv: number) =>
      new KcpSession(kernels, { conv, kcp, cipher: cipher(), dataShards: ds, parityShards: ps, onDatagrams: (b) => {
        for (let i = 0; i < b.count; i++) wire.push(b.view(i).slice());
      } });
    const deliver = (to: KcpSession, now: number) => {
      const batch = new DatagramBatch(kernels, 64);
      for (const d of wire.splice(0)) batch.push(d);
      to.input(batch, now);
      batch.dispose();
    };
    const server = mk(1);
    const sameConv = mk(1);
    sameConv.write(new Uint8Array(10), 0);
    deliver(server, 0);
    assert.equal(server.peerRestarted, false, 'the session\'s own conv');

    const restarted = mk(2);
    restarted.write(new Uint8Array(10), 0);
    const first = wire.slice();
    restarted.write(new Uint8Array(10), 1); // sn 1
    const later = wire.splice(first.length);
    wire.length = 0;
    wire.push(...later);
    deliver(server, 2);
    assert.equal(server.peerRestarted, false, 'a new conv that does not start at sn 0');
    wire.push(...first);
    deliver(server, 3);
    assert.equal(server.peerRestarted, true, 'a new conv starting with PUSH sn 0');
    for (const s of [server, sameConv, restarted]) s.close();
  });
}

for (const crypt of ['aes', 'aes-128-gcm', 'null'] as const) {
  test(`KcpSession --crypt ${crypt}: an out-of-band (type 0xF3) datagram is counted and never reaches KCP`, () => {
    const sender = new PacketCrypt(kernels, createDatagramCipher(kernels, crypt, pass));
    const receiver = new KcpSession(kernels, { conv: 7, kcp: DEFAULT_KCP_CONFIG, cipher: createDatagramCipher(kernels, crypt, pass), dataShards: 10, parityShards: 3, onDatagrams: () => {} });
    // seal an OOB datagram as the crypt layer seals everything: header room, then seqid | F3 00 | 30 bytes
    const layout = sender.layout;
    const batch = new DatagramBatch(kernels, 1);
    const slot = batch.push(new Uint8Array(layout.header + 6 + 30));
    batch.view(slot).set([0, 0, 0, 0, 0xf3, 0x00], layout.header);
    sender.seal(batch);
    receiver.input(batch, 1);
    assert.equal(receiver.oobDatagrams, 1);
    assert.equal(receiver.snmp.get('KCPInErrors'), 0, 'KCP never saw it');
    assert.equal(receiver.snmp.get('InCsumErrors'), 0);
    batch.dispose();
    sender.dispose();
    receiver.close();
  });
}

for (const [ds, ps] of [[4, 2], [0, 0]] as const) {
  test(`KcpSession: a receiver configured --ds ${ds} --ps ${ps} learns a 10/3 sender's shape and recovers lost shards (docs/protocol.md §2.8)`, () => {
    const rng = new Rng(91);
    const profile = { loss: 0.05, delayMs: 20, jitterMs: 5 };
    const aToB = new LossyLink(profile, rng);
    const bToA = new LossyLink(profile, rng);
    const kcp = applyMode({ ...DEFAULT_KCP_CONFIG, sndWnd: 512, rcvWnd: 512 }, 'fast2');
    const mk = (link: LossyLink, seed: number, d: number, p: number, sendBytes: number) =>
      new SessionEndpoint(kernels, { session: { conv: 0xfec, kcp, cipher: createDatagramCipher(kernels, 'aes', pass), dataShards: d, parityShards: p }, link, sendBytes, seed });
    const a = mk(aToB, 1, 10, 3, 4 * MiB);
    const b = mk(bToA, 2, ds, ps, 64 * 1024);
    const r = runSimulation(a, b, aToB, bToA, { done: () => b.received === 4 * MiB && a.received === 64 * 1024, maxVirtualMs: 3600_000 });
    assert.ok(r.finished, `finished (a ${a.received}, b ${b.received})`);
    assert.equal(b.receivedDigest(), a.sentDigest());
    assert.equal(b.session.fecShapeChanges, 1, 'the decoder was rebuilt once, for 10/3');
    assert.ok(b.session.snmp.get('FECRecovered') > 0, 'lost shards were rebuilt with the learnt shape');
    assert.equal(b.session.snmp.get('FECErrs'), 0, 'no shard contradicted the learnt shape');
    a.session.close();
    b.session.close();
  });
}
