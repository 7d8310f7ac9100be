/**
 * One kcptunb server in the kcptun flag dialect serves Debian's kcptun-client (smux v1, its
 * default) and upstream's (smux v2, its default) at the same time: the server takes each
 * session's version from its first frame (docs/protocol.md §4.8, deviations row 33).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { canConnect, echoTransfer, freeTcpPort, freeUdpPort, ProcessGroup, serverReady, waitFor } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

test('ours --dialect kcptun server ↔ Debian client (v1) and upstream client (v2) at once: 2 MiB echo each', async () => {
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const common = ['--key', 'mixed', '--crypt', 'aes', '--quiet'];
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, '--dialect', 'kcptun', ...common]);
  await waitFor(() => serverReady(server, udp), 15_000, 'our server to bind', { diag: () => server.tail() });
  const clients = await Promise.all(
    (['kcptun', 'upstream'] as const).map(async (impl) => {
      const port = await freeTcpPort();
      const p = group.start(impl, 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udp}`, ...common]);
      await waitFor(() => canConnect(port), 15_000, `${impl} client to listen`, { diag: () => p.tail() });
      return { impl, port, p };
    }),
  );
  const results = await Promise.all(clients.map((c) => echoTransfer(c.port, 2 << 20, 60_000)));
  for (const r of results) assert.ok(r.ms > 0);
  assert.match(clients[0]!.p.output(), /smux version: 1/, 'Debian speaks v1');
  assert.match(clients[1]!.p.output(), /smux version: 2/, 'upstream speaks v2');
});
