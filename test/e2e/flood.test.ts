/**
 * A replay flood from 2,000 source ports (the recorded first datagrams of a real session) while
 * a transfer runs through an established tunnel: the transfer completes and a new client gets in
 * within a few seconds (docs/deviations.md). Goodput targets live in bench/src/flood.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernels } from '@kcptunb/wasm';
import { udpImplementation } from '@kcptunb/udp';
import { connectedSocketsOn } from '../support/serverSockets.js';
import { echoTransfer, garbageDgramFlood, kcptunbCountersOf, ProcessGroup, replayFlood, shortSession, snmpOf } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const kernels = loadKernels();
const KEY = 'flood';

test('under a 2,000-port replay flood an established transfer completes and a newcomer gets in', async () => {
  const target = await group.echoServer();
  const tunnel = await group.tunnel({ client: 'ours', server: 'ours', targetPort: target, serverArgs: ['--key', KEY, '--quiet'], clientArgs: ['--key', KEY, '--quiet'] });
  const recorded: Buffer[] = [];
  await shortSession({ kernels, port: tunnel.udpPort, key: KEY, record: (d) => recorded.push(d) });
  const flood = await replayFlood(recorded.slice(0, 4), 2000, tunnel.udpPort, 100);
  try {
    const transfer = echoTransfer(tunnel.port, 8 << 20, 60_000);
    const t0 = Date.now();
    await shortSession({ kernels, port: tunnel.udpPort, key: KEY, timeoutMs: 5000 });
    const newcomerMs = Date.now() - t0;
    console.log(`# a newcomer got in after ${newcomerMs} ms`);
    assert.ok(newcomerMs < 5000, `a new client got in after ${newcomerMs} ms`);
    const r = await transfer.catch(async (e: unknown) => {
      throw await tunnel.explain(e);
    });
    assert.equal(r.bytes, 8 << 20);
    assert.ok(flood.sent() > 2000, 'the flood ran during the transfer');
    const c = await kcptunbCountersOf(tunnel.server);
    assert.ok(c.ReplayDrops! > 0, 'replays were refused');
    // the scheduler audit found no stalled session or link (each would also be a log line)
    assert.equal(c.MissedWakeups, 0, 'server: lost wake-ups');
    assert.equal((await kcptunbCountersOf(tunnel.client)).MissedWakeups, 0, 'client: lost wake-ups');
  } finally {
    await flood.stop();
  }
});

test('under a garbage flood (20,000 random datagrams/s from 16 ports) an established transfer completes and a newcomer gets in', async () => {
  const target = await group.echoServer();
  const tunnel = await group.tunnel({ client: 'ours', server: 'ours', targetPort: target, serverArgs: ['--key', KEY, '--quiet'], clientArgs: ['--key', KEY, '--quiet'] });
  await echoTransfer(tunnel.port, 1 << 16, 30_000); // the session is established before the flood
  const before = await snmpOf(tunnel.server);
  const flood = await garbageDgramFlood(20_000, 16, tunnel.udpPort);
  try {
    const transfer = echoTransfer(tunnel.port, 4 << 20, 60_000);
    const t0 = Date.now();
    await shortSession({ kernels, port: tunnel.udpPort, key: KEY, timeoutMs: 5000 });
    const newcomerMs = Date.now() - t0;
    console.log(`# a newcomer got in after ${newcomerMs} ms`);
    assert.ok(newcomerMs < 5000, `a new client got in after ${newcomerMs} ms`);
    const r = await transfer.catch(async (e: unknown) => {
      throw await tunnel.explain(e);
    });
    assert.equal(r.bytes, 4 << 20);
    assert.ok(flood.sent() > 2000, 'the flood ran during the transfer');
    const after = await snmpOf(tunnel.server);
    assert.ok(after.InCsumErrors! - before.InCsumErrors! > 1000, `garbage was refused and counted (InCsumErrors ${before.InCsumErrors} → ${after.InCsumErrors})`);
    assert.equal(after.CurrEstab, 2, 'no garbage datagram opened a session (the tunnel and the newcomer)');
    // native path: the established session (and the newcomer) read sockets of their own, apart from the flood's
    if (udpImplementation().kind === 'native') assert.ok(connectedSocketsOn(tunnel.server, tunnel.udpPort) >= 1, 'the established session has a socket of its own');
  } finally {
    await flood.stop();
  }
});
