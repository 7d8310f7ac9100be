/**
 * Random datagrams through the production receive path — the UDP endpoint (the batched addon where
 * it loads), the server Listener's demultiplexing and admission, and a live ShardSession — with
 * zero throws: garbage from a live session's own address is dropped and counted (InCsumErrors),
 * garbage from new addresses opens nothing, and the session still carries data afterwards.
 * `KCPTUNB_FUZZ_DATAGRAMS` sets the count (the bench tier runs 1,000,000; CI a smaller default).
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
import { Rng } from '../support/random.js';
import { simSettings } from '../support/tunnelEnd.js';

const COUNT = Number(process.env.KCPTUNB_FUZZ_DATAGRAMS ?? 50_000);
const kernels = loadKernels();
const key = deriveKey('fuzz');
const settings = simSettings({ crypt: 'aes', key, compress: false });

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  s.setSendBufferSize(4 << 20);
  return s;
}

test(`${COUNT} random datagrams into a live server session and from new addresses: counted, never thrown`, async (t) => {
  const snmp = new Snmp();
  const queue = new RunQueue<ShardSession>();
  const messages: FromShard[] = [];
  const sessions = new SessionRegistry(kernels, snmp, queue, (m) => messages.push(m));
  let now = 0;
  const listener = await Listener.open(
    { shardId: 0, kernels, snmp, sessions, clock: () => now, post: (m) => messages.push(m) },
    { host: '127.0.0.1', port: 0, settings: { ...settings, socket: { sockBuf: 4 << 20, dscp: 0 } }, admission: { maxSessions: 16, replayFilter: true }, ringBytes: 1 << 18, reusePort: false },
  );
  const client = await bound();
  const strangers = await Promise.all([bound(), bound(), bound()]);
  const rng = new Rng(77);
  try {
    // a real client session from `client`: its first datagram opens the server session
    const peer = new KcpSession(kernels, {
      conv: 4242,
      kcp: settings.kcp,
      cipher: createDatagramCipher(kernels, 'aes', key),
      dataShards: settings.fec.dataShards,
      parityShards: settings.fec.parityShards,
      onDatagrams: (batch) => {
        for (let i = 0; i < batch.count; i++) client.send(Buffer.from(batch.view(i)), listener.local.port, '127.0.0.1');
      },
    });
    peer.write(new TextEncoder().encode('hello before the storm'), now);
    const deadline = Date.now() + 5000;
    while (!messages.some((m) => m.type === 'accepted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const accepted = messages.find((m) => m.type === 'accepted');
    assert.ok(accepted && accepted.type === 'accepted', 'the real client opened a session');
    const fromServer = new RingConsumer(accepted.rings.toControl);
    queue.runDue(++now);

    // the storm: random lengths 0–1600, random bytes, 3/4 from the live session's address
    const buf = Buffer.alloc(1600);
    for (let sent = 0; sent < COUNT; ) {
      for (let burst = 0; burst < 256 && sent < COUNT; burst++, sent++) {
        const n = rng.int(1601);
        rng.fill(buf.subarray(0, n));
        const from = rng.next() < 0.75 ? client : strangers[rng.int(3)]!;
        from.send(buf.subarray(0, n), listener.local.port, '127.0.0.1');
      }
      // paced (a burst per timer tick) so the kernel's receive buffer, not our code, is never the limit
      await new Promise((r) => setTimeout(r, 1)); // the endpoint receives, the listener demultiplexes
      queue.runDue(++now);
    }
    const settle = Date.now() + 2000;
    while (Date.now() < settle) {
      await new Promise((r) => setTimeout(r, 5));
      queue.runDue(++now);
      if (snmp.get('InCsumErrors') + snmp.get('InErrs') >= COUNT * 0.99) break;
    }
    const dropped = snmp.get('InCsumErrors') + snmp.get('InErrs');
    const live = sessions.get(1);
    t.diagnostic(`session closed: ${live?.closed} ${live?.closeReason}`);
    t.diagnostic(`${COUNT} sent; InCsumErrors ${snmp.get('InCsumErrors')}, InErrs ${snmp.get('InErrs')}; sessions ${sessions.size}`);
    assert.ok(dropped >= COUNT * 0.9, `the random datagrams reached the checks and were counted (${dropped} of ${COUNT})`);
    assert.equal(messages.filter((m) => m.type === 'accepted').length, 1, 'random datagrams opened no session');
    assert.equal(sessions.size, 1, 'the live session survived');

    // and it still works: the real client's bytes reach the ring towards the control thread
    let delivered = 0;
    const settleData = Date.now() + 3000;
    while (delivered === 0 && Date.now() < settleData) {
      await new Promise((r) => setTimeout(r, 5));
      queue.runDue(++now);
      fromServer.drain((record) => (delivered += record.length));
      peer.update(now);
    }
    assert.ok(delivered > 0, 'the session delivered the real client data');
    peer.close();
  } finally {
    listener.close();
    for (const s of [client, ...strangers]) s.close();
    sessions.closeAll('test over');
  }
});
