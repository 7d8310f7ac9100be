/**
 * The reset segment (docs/protocol.md §3.10): its bytes, what a KCP that does not know it does
 * with it (what stock kcp-go does: an unknown command, rejected before any state changes), how a
 * KcpSession recognises one — sealed by a peer session or by the listener's ResetReply, with and
 * without FEC — and which first datagrams a restarted server answers with one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { KcpSession } from '@kcptunb/session';
import { createDatagramCipher, deriveKey, PacketCrypt, cryptOverhead } from '@kcptunb/crypt';
import { applyMode, CMD_RESET, DEFAULT_KCP_CONFIG, emptySegmentHeader, encodeHeader, encodeResetSegment, InputResult, isKnownCommand, isResetSegment, Kcp, CMD_PUSH, CMD_ACK, KCP_OVERHEAD, readSegmentHeader, RESET_MAGIC } from '@kcptunb/kcp';
import { readFirstDatagram, ResetReply, RESETS_PER_SECOND, SilenceWatch, MIN_PROBES, DEAD_AFTER_MS, PROBE_AFTER_MS } from '@kcptunb/dataplane/shell';
import { Snmp } from '@kcptunb/snmp';

const kernels = loadKernels();
const key = deriveKey('reset');
const kcpConfig = applyMode({ ...DEFAULT_KCP_CONFIG }, 'fast2');

test('a reset is conv, cmd 88, sn RESET_MAGIC, every other field 0; not a KCP command', () => {
  const b = new Uint8Array(KCP_OVERHEAD);
  encodeResetSegment(b, 0, 0x11223344);
  assert.equal(Buffer.from(b).toString('hex'), '44332211' + '58' + '00' + '0000' + '00000000' + '6274636b' + '00000000' + '00000000');
  const h = emptySegmentHeader();
  assert.ok(readSegmentHeader(b, 0, h));
  assert.equal(h.cmd, CMD_RESET);
  assert.equal(h.sn, RESET_MAGIC);
  assert.ok(isResetSegment(h));
  assert.equal(isKnownCommand(CMD_RESET), false);
  h.sn = 1;
  assert.equal(isResetSegment(h), false, 'the magic is checked');
});

test('a KCP that does not know resets rejects one without changing anything (as kcp-go does)', () => {
  const snmp = new Snmp();
  const kcp = new Kcp(7, kcpConfig, () => {}, snmp);
  kcp.send(new Uint8Array(100));
  kcp.flush(0);
  const before = { una: kcp.una, inFlight: kcp.inFlight, wnd: kcp.remoteWindow };
  const b = new Uint8Array(KCP_OVERHEAD);
  encodeResetSegment(b, 0, 7);
  assert.equal(kcp.input(b, true, 10), InputResult.BAD_COMMAND);
  assert.deepEqual({ una: kcp.una, inFlight: kcp.inFlight, wnd: kcp.remoteWindow }, before);
  assert.equal(snmp.get('KCPInErrors'), 1);
});

function session(conv: number, fec: boolean, sent: Uint8Array[]): KcpSession {
  return new KcpSession(kernels, {
    conv,
    kcp: kcpConfig,
    cipher: createDatagramCipher(kernels, 'aes', key),
    dataShards: fec ? 10 : 0,
    parityShards: fec ? 3 : 0,
    onDatagrams: (batch) => {
      for (let i = 0; i < batch.count; i++) sent.push(batch.view(i).slice());
    },
  });
}

function deliver(to: KcpSession, datagrams: Uint8Array[], now: number): void {
  const batch = new DatagramBatch(kernels, Math.max(1, datagrams.length));
  for (const d of datagrams) batch.push(d);
  to.input(batch, now);
  batch.dispose();
}

for (const fec of [false, true]) {
  test(`KcpSession: a peer's reset for our conv ends it, a reset for another conv does not (FEC ${fec ? '10/3' : 'off'})`, () => {
    const fromServer: Uint8Array[] = [];
    const fromClient: Uint8Array[] = [];
    const server = session(42, fec, fromServer);
    const client = session(42, fec, fromClient);
    const stranger = session(43, fec, []);
    // some traffic first, so the FEC decoder has a sequence the reset's seqid is not part of
    client.write(new Uint8Array(5000), 0);
    deliver(server, fromClient.splice(0), 1);
    server.write(new Uint8Array(5000), 2);
    deliver(client, fromServer.splice(0), 3);
    assert.equal(client.peerReset, false);
    assert.ok(client.lastHeardAt === 3, 'an authentic datagram of our conv is evidence of life');
    server.sendReset();
    assert.equal(fromServer.length, 1, 'one datagram, sent at once');
    deliver(stranger, fromServer, 4);
    assert.equal(stranger.peerReset, false);
    deliver(client, fromServer.splice(0), 4);
    assert.equal(client.peerReset, true);
    for (const s of [server, client, stranger]) s.close();
  });

  test(`the listener's ResetReply is read as a reset by the session it names; capped per second (FEC ${fec ? '10/3' : 'off'})`, () => {
    const cipher = createDatagramCipher(kernels, 'aes', key);
    const crypt = new PacketCrypt(kernels, cipher, { minLength: cryptOverhead(cipher.layout) + KCP_OVERHEAD }, 1);
    const reply = new ResetReply(kernels, crypt, cipher.layout.header, fec);
    const client = session(99, fec, []);
    const sealed = reply.build(99, 0)!;
    deliver(client, [sealed.view(0).slice()], 0);
    assert.equal(client.peerReset, true);
    let sent = 1;
    while (reply.build(99, 500)) sent++;
    assert.equal(sent, RESETS_PER_SECOND, 'no more than RESETS_PER_SECOND within a second');
    assert.ok(reply.build(99, 1000), 'the next second allows more');
    reply.dispose();
    crypt.dispose();
    client.close();
  });
}

test('first datagrams: una 0 may open a session (even with sn ≠ 0: sn 0 may be lost), una ≠ 0 is stale', () => {
  const seg = (cmd: number, sn: number, una: number) => {
    const b = new Uint8Array(KCP_OVERHEAD);
    encodeHeader(b, 0, 5, cmd, 0, 32, 0, sn, una, 0);
    return b;
  };
  assert.deepEqual(readFirstDatagram(seg(CMD_PUSH, 0, 0)), { conv: 5, stale: false });
  assert.deepEqual(readFirstDatagram(seg(CMD_PUSH, 3, 0)), { conv: 5, stale: false });
  assert.deepEqual(readFirstDatagram(seg(CMD_PUSH, 57, 12)), { conv: 5, stale: true });
  assert.deepEqual(readFirstDatagram(seg(CMD_ACK, 9, 1)), { conv: 5, stale: true });
  const reset = new Uint8Array(KCP_OVERHEAD);
  encodeResetSegment(reset, 0, 5);
  assert.equal(readFirstDatagram(reset), undefined, 'a reset never opens a session nor draws a reset');
});

test('SilenceWatch: nothing in flight is never dead; silence needs both DEAD_AFTER_MS and MIN_PROBES; hearing resets it', () => {
  const w = new SilenceWatch();
  for (let t = 0; t < 60_000; t += 10) assert.equal(w.observe(t, false, -Infinity), 'alive');
  let probes = 0;
  let deadAt = -1;
  for (let t = 60_000; t < 80_000 && deadAt < 0; t += 10) {
    const v = w.observe(t, true, 0);
    if (v === 'probe') probes++;
    if (v === 'dead') deadAt = t;
  }
  assert.equal(deadAt, 60_000 + DEAD_AFTER_MS, 'dead once silent for DEAD_AFTER_MS since the data went in flight');
  assert.ok(probes >= MIN_PROBES, `${probes} probes before the verdict`);
  const w2 = new SilenceWatch();
  for (let t = 0; t < 30_000; t += 10) {
    // the peer answers every second: never dead, no probe once heard
    const heard = Math.floor(t / 1000) * 1000;
    assert.equal(w2.observe(t, true, heard), 'alive', `at ${t}`);
  }
  const w3 = new SilenceWatch();
  assert.equal(w3.observe(0, true, -Infinity), 'alive');
  assert.equal(w3.observe(PROBE_AFTER_MS, true, -Infinity), 'probe', 'the first probe after PROBE_AFTER_MS');
});
