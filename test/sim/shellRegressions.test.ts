/**
 * Regression tests for three faults the shells once had, each reproduced on the simulator with
 * the production StreamRelay, SessionLink and ShardSession (test/support/tunnelEnd.ts):
 *
 * 1. An upload whose application socket was paused stalled until a keepalive: the smux link took
 *    output (which made the stream writable again) after handling events, and did not run again.
 * 2. The control side closing its rings while the shard pumped data towards it threw out of the
 *    shard's run loop: one session's end must end that session only, never the shard.
 * 3. Latency: received data must reach the ring to the control thread before the ACKs it caused
 *    are sent (the ACK send is a syscall the application would otherwise wait behind).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveKey } from '@kcptunb/crypt';
import { RingBuffer } from '@kcptunb/ring';
import { loadKernels } from '@kcptunb/wasm';
import { LossyLink } from '../support/lossyLink.js';
import { Rng } from '../support/random.js';
import { runNetwork, runSimulation } from '../support/simulation.js';
import { SimShard, simSettings, TunnelEnd } from '../support/tunnelEnd.js';

const kernels = loadKernels();
const key = deriveKey('shell regressions');
const MiB = 1 << 20;

test('a paused upload resumes as soon as the stream drains (no wait for a keepalive or peer traffic)', (t) => {
  // stock-compatible smux (no per-stream ACK frames) and an upload-only server: nothing comes
  // back that would run the client's link by accident, so only the link's own rescheduling can
  // let the paused application write again
  const rng = new Rng(11);
  const c2s = new LossyLink({ delayMs: 5 }, rng);
  const s2c = new LossyLink({ delayMs: 5 }, rng);
  const settings = simSettings({ crypt: 'aes', key, compress: false });
  const smux = { enableStreamBuffer: false, writeHighWaterMark: 64 * 1024, keepAliveIntervalMs: 10_000, keepAliveTimeoutMs: 30_000 };
  const common = { kernels, conv: 21, settings, smux };
  const upload = 16 * MiB;
  const client = new TunnelEnd({ ...common, role: 'client', link: c2s, streamsToOpen: 1, app: { bytesPerStream: upload, expectBytes: 0, seed: 3, compressible: 0 } });
  const server = new TunnelEnd({ ...common, role: 'server', link: s2c, app: { bytesPerStream: 0, expectBytes: upload, seed: 4 } });
  try {
    const r = runSimulation(client, server, c2s, s2c, {
      done: () => [...server.apps.values()].some((a) => a.received >= upload) || client.smuxEnd !== undefined,
      maxVirtualMs: 120_000,
      maxSteps: 1_000_000,
    });
    const app = [...client.apps.values()][0]!;
    t.diagnostic(`virtual ${r.virtualMs} ms, ${app.pauses} pauses, longest write gap ${app.longestWriteGap} ms`);
    assert.ok(r.finished, `the upload completed (virtual ${r.virtualMs} ms)`);
    assert.ok(app.pauses > 10, `the application was paused many times (${app.pauses})`);
    assert.ok(app.longestWriteGap < 1_000, `no write waited ≥ 1 s after a pause (longest ${app.longestWriteGap} ms; the keepalive is 10 s)`);
  } finally {
    client.dispose();
    server.dispose();
  }
});

test('the control side closing its rings mid-transfer ends that shard session only; another session of the shard completes', () => {
  const rng = new Rng(12);
  const settings = simSettings({ crypt: 'aes', key, compress: true });
  const shard = new SimShard(kernels); // one client shard running both sessions
  const links = Array.from({ length: 4 }, () => new LossyLink({ delayMs: 10, loss: 0.01 }, rng));
  const [aUp, aDown, bUp, bDown] = links as [LossyLink, LossyLink, LossyLink, LossyLink];
  const app = (seed: number) => ({ bytesPerStream: 4 * MiB, seed, compressible: 0 });
  const clientA = new TunnelEnd({ kernels, conv: 1, settings, role: 'client', link: aUp, shard, streamsToOpen: 2, app: app(1) });
  const serverA = new TunnelEnd({ kernels, conv: 1, settings, role: 'server', link: aDown, app: app(2) });
  const clientB = new TunnelEnd({ kernels, conv: 2, settings, role: 'client', link: bUp, shard, streamsToOpen: 2, app: app(3) });
  const serverB = new TunnelEnd({ kernels, conv: 2, settings, role: 'server', link: bDown, app: app(4) });
  const ends = [clientA, serverA, clientB, serverB];
  const routes = [
    { link: aUp, to: serverA },
    { link: aDown, to: clientA },
    { link: bUp, to: serverB },
    { link: bDown, to: clientB },
  ];
  try {
    // A is halfway through receiving when its control side goes away (the smux link closes its rings)
    const half = runNetwork(ends, routes, { done: () => [...clientA.apps.values()].every((a) => a.received > MiB), maxVirtualMs: 60_000 });
    assert.ok(half.finished, 'A got going');
    clientA.link.close();
    const r = runNetwork(ends, routes, {
      done: () => (clientB.transferComplete && serverB.transferComplete && serverB.apps.size === 2) || clientB.smuxEnd !== undefined,
      maxVirtualMs: 120_000,
    });
    assert.ok(r.finished, `B completed (virtual ${r.virtualMs} ms)`);
    assert.equal(clientA.shard.closed, true, 'A ended in the shard');
    assert.match(clientA.shard.closeReason, /session error: .*closed|closed by control/);
    assert.equal(shard.queue.has(clientA.shard), false, 'and left the shard');
    assert.equal(shard.registry.size, 1, 'the registry retired it');
    assert.ok(shard.messages.some((m) => m.type === 'closed'), 'and told the control thread');
    assert.equal(clientB.shard.closed, false);
    for (const [id, mine] of clientB.apps) {
      assert.equal(serverB.apps.get(id)!.receivedDigest(), mine.sentDigest(), `B stream ${id} up`);
      assert.equal(mine.receivedDigest(), serverB.apps.get(id)!.sentDigest(), `B stream ${id} down`);
    }
  } finally {
    for (const e of ends) e.dispose();
  }
});

test('received data is in the ring to the control thread before the ACKs it caused are sent', () => {
  const rng = new Rng(13);
  const c2s = new LossyLink({ delayMs: 2 }, rng);
  const s2c = new LossyLink({ delayMs: 2 }, rng);
  const settings = simSettings({ crypt: 'aes', key, compress: false, mode: 'fast3' });
  const common = { kernels, conv: 31, settings };
  let transmits = 0;
  let early = 0;
  let server: TunnelEnd | undefined = undefined;
  const client = new TunnelEnd({ ...common, role: 'client', link: c2s, streamsToOpen: 4, app: { bytesPerStream: MiB, seed: 5, maxWrite: 2_000 } });
  server = new TunnelEnd({
    ...common,
    role: 'server',
    link: s2c,
    app: { bytesPerStream: MiB, seed: 6, maxWrite: 2_000 },
    // at every send of the server's shard session: KCP must hold no in-order data the ring had
    // room for (with room for two records, so a wrap-around skip cannot excuse it)
    onTransmit: () => {
      transmits++;
      const readable = server!.shard.session.readable;
      if (readable === 0) return;
      const ring = server!.rings.toControl;
      const free = RingBuffer.capacityOf(ring) - RingBuffer.unreadBytes(ring);
      if (free >= 2 * RingBuffer.recordBytes(Math.min(readable, 64 * 1024))) early++;
    },
  });
  try {
    const r = runSimulation(client, server, c2s, s2c, {
      done: () => (client.transferComplete && server!.transferComplete && server!.apps.size === 4) || client.smuxEnd !== undefined,
      maxVirtualMs: 60_000,
    });
    assert.ok(r.finished, `transfer completed (virtual ${r.virtualMs} ms)`);
    assert.ok(transmits > 50, `the server sent (${transmits} batches)`);
    assert.equal(early, 0, `batches sent while received data waited in KCP: ${early} of ${transmits}`);
  } finally {
    client.dispose();
    server.dispose();
  }
});
