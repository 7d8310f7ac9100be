/**
 * The client's dead-peer detection (docs/protocol.md §3.10) on the simulator's virtual clock, with
 * the production shells: a merely slow link — 20% loss each way, 100 ms each way — carries a
 * transfer and then ten idle minutes of keepalives without the session being given up; a peer
 * that goes silent while data is in flight is given up within DEAD_AFTER_MS plus a second, and the
 * client's applications see their connections end. Seeded; every run bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernels } from '@kcptunb/wasm';
import { deriveKey } from '@kcptunb/crypt';
import { DEAD_AFTER_MS } from '@kcptunb/dataplane/shell';
import { LossyLink, type LinkProfile } from '../support/lossyLink.js';
import { Rng } from '../support/random.js';
import { TunnelEnd, simSettings } from '../support/tunnelEnd.js';
import { runSimulation } from '../support/simulation.js';

const kernels = loadKernels();
const settings = simSettings({ crypt: 'aes', key: deriveKey('dead peer'), compress: true, mode: 'fast' });
const STREAMS = 4;
const SLOW: LinkProfile = { loss: 0.2, delayMs: 100, jitterMs: 10 };

function tunnel(seed: number, bytesPerStream: number, up: LinkProfile, down: LinkProfile) {
  const rng = new Rng(seed);
  const c2s = new LossyLink(up, rng);
  const s2c = new LossyLink(down, rng);
  const common = { kernels, conv: 0xdead_0001 + seed, settings };
  const client = new TunnelEnd({ ...common, role: 'client', link: c2s, streamsToOpen: STREAMS, app: { bytesPerStream, seed: seed + 1 } });
  const server = new TunnelEnd({ ...common, role: 'server', link: s2c, app: { bytesPerStream, seed: seed + 2 } });
  return { client, server, c2s, s2c };
}

// seeds 34 and 60 once lost the session: FEC rebuilt heartbeats 10–20 s late, their ACKs inflated the RTO to 20 s
for (const seed of [1, 2, 3, 34, 60]) {
  test(`a 20%-loss, 200 ms RTT link is not given up: a transfer, then 10 idle minutes of keepalives (seed ${seed})`, () => {
    const { client, server, c2s, s2c } = tunnel(seed, 64 * 1024, SLOW, SLOW);
    try {
      const transfer = runSimulation(client, server, c2s, s2c, {
        done: () => (client.transferComplete && server.transferComplete) || client.shard.closed,
        maxVirtualMs: 600_000,
        maxSteps: 5_000_000,
      });
      assert.equal(client.shard.closed, false, `the client gave up the session: ${client.shard.closeReason}`);
      assert.ok(transfer.finished, `the transfer finished (virtual ${transfer.virtualMs} ms)`);
      const start = transfer.virtualMs;
      const idle = runSimulation(client, server, c2s, s2c, { done: () => client.shard.closed, maxVirtualMs: 600_000, maxSteps: 5_000_000, startMs: start });
      assert.equal(client.shard.closed, false, `the client gave up the session after ${idle.virtualMs} idle ms: ${client.shard.closeReason}`);
      assert.ok(idle.virtualMs >= 600_000, `ten idle minutes simulated (${idle.virtualMs} ms)`);
      assert.ok(c2s.stats.dropped > 0 && s2c.stats.dropped > 0, 'the link lost datagrams both ways');
    } finally {
      client.dispose();
      server.dispose();
    }
  });
}

test('a peer that goes silent while data is in flight is given up within DEAD_AFTER_MS + 1 s', () => {
  const up: LinkProfile = { delayMs: 20 };
  const down: LinkProfile = { delayMs: 20 };
  const { client, server, c2s, s2c } = tunnel(9, 64 << 20, up, down);
  try {
    // the transfer runs for a while, then the path goes black both ways
    runSimulation(client, server, c2s, s2c, { done: () => false, maxVirtualMs: 2000, maxSteps: 5_000_000 });
    assert.equal(client.shard.closed, false);
    const cutAt = 2001;
    up.loss = 1;
    down.loss = 1;
    const r = runSimulation(client, server, c2s, s2c, { done: () => client.shard.closed, maxVirtualMs: 60_000, maxSteps: 5_000_000, startMs: cutAt });
    assert.ok(r.finished, 'the client gave up the session');
    assert.match(client.shard.closeReason, /went silent/);
    assert.ok(r.virtualMs >= DEAD_AFTER_MS - 100, `not before the peer had been silent for DEAD_AFTER_MS (${r.virtualMs} ms)`);
    assert.ok(r.virtualMs <= DEAD_AFTER_MS + 1000, `given up ${r.virtualMs} ms after the cut`);
    // the shard's close reaches the applications through the rings
    runSimulation(client, server, c2s, s2c, { done: () => client.endedCount === STREAMS, maxVirtualMs: 1000, maxSteps: 100_000, startMs: cutAt + r.virtualMs });
    assert.equal(client.endedCount, STREAMS, 'every client application saw its connection end');
  } finally {
    client.dispose();
    server.dispose();
  }
});
