/**
 * The datagram that opens a server session is the session's first data, delivered once: the
 * listener enters its replay key when it admits it, and the new session must not then refuse it
 * as a replay (a session would wait for the client's retransmission — or, with a client that
 * re-dials at once on a mismatch, never see the client's first bytes at all).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createDatagramCipher, deriveKey } from '@kcptunb/crypt';
import type { FromShard } from '@kcptunb/dataplane';
import { Listener, SessionRegistry, type ShardSession } from '@kcptunb/dataplane/shell';
import { RingConsumer } from '@kcptunb/ring';
import { RunQueue } from '@kcptunb/scheduler';
import { KcpSession } from '@kcptunb/session';
import { Snmp } from '@kcptunb/snmp';
import { loadKernels } from '@kcptunb/wasm';
import { simSettings } from '../support/tunnelEnd.js';

const kernels = loadKernels();
const key = deriveKey('opening');

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

for (const fec of [true, false]) {
  test(`the opening datagram's bytes reach the session without a retransmission (replay filter on, FEC ${fec ? 'on' : 'off'})`, async () => {
    const settings = simSettings({ crypt: 'aes', key, compress: false, ...(fec ? {} : { dataShards: 0, parityShards: 0 }) });
    const snmp = new Snmp();
    const queue = new RunQueue<ShardSession>();
    const messages: FromShard[] = [];
    const sessions = new SessionRegistry(kernels, snmp, queue, (m) => messages.push(m));
    const now = 1;
    const listener = await Listener.open(
      { shardId: 0, kernels, snmp, sessions, clock: () => now, post: (m) => messages.push(m) },
      { host: '127.0.0.1', port: 0, settings: { ...settings, socket: { sockBuf: 1 << 20, dscp: 0 } }, admission: { maxSessions: 16, replayFilter: true }, ringBytes: 1 << 18, reusePort: false },
    );
    const client = await bound();
    let sent = 0;
    const peer = new KcpSession(kernels, {
      conv: 77,
      kcp: settings.kcp,
      cipher: createDatagramCipher(kernels, 'aes', key),
      dataShards: settings.fec.dataShards,
      parityShards: settings.fec.parityShards,
      onDatagrams: (batch) => {
        for (let i = 0; i < batch.count; i++, sent++) client.send(Buffer.from(batch.view(i)), listener.local.port, '127.0.0.1');
      },
    });
    try {
      const hello = new TextEncoder().encode('first bytes');
      peer.write(hello, now); // flushed at once: one datagram, and the client is never updated again (no retransmission)
      const deadline = Date.now() + 5000;
      while (!messages.some((m) => m.type === 'accepted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      const accepted = messages.find((m) => m.type === 'accepted');
      assert.ok(accepted && accepted.type === 'accepted', 'the datagram opened a session');
      queue.runDue(now + 1);
      let delivered = 0;
      new RingConsumer(accepted.rings.toControl).drain((record) => (delivered += record.length));
      assert.equal(snmp.get('ReplayDrops'), 0, 'the opening datagram is not a replay of itself');
      assert.equal(delivered, hello.length, `the opening datagram's bytes are in the ring (${sent} datagram(s) sent)`);
    } finally {
      peer.close();
      listener.close();
      client.close();
      sessions.closeAll('test over');
    }
  });
}
