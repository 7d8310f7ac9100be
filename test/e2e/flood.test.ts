/**
 * A replay flood from 2,000 source ports (the recorded first datagrams of a real session) while
 * a transfer runs through an established tunnel: the transfer completes and a new client gets in
 * within a few seconds (docs/deviations.md). Goodput targets live in bench/src/flood.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernels } from '@kcptunb/wasm';
import { echoTransfer, kcptunbCountersOf, ProcessGroup, replayFlood, shortSession } from '@kcptunb/testkit';

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
    assert.ok(newcomerMs < 5000, `a new client got in after ${newcomerMs} ms`);
    const r = await transfer;
    assert.equal(r.bytes, 8 << 20);
    assert.ok(flood.sent() > 2000, 'the flood ran during the transfer');
    const c = await kcptunbCountersOf(tunnel.server);
    assert.ok(c.ReplayDrops! > 0, 'replays were refused');
  } finally {
    await flood.stop();
  }
});
