/**
 * Server sessions' own sockets, seen from outside the server process: on the native UDP path an
 * established session has a UDP socket of the server's bound to the listening port and connected
 * to its client (in /proc/net/udp, owned by the server), which is closed — the server's
 * descriptors back where they were — once the session ends; the node:dgram fallback keeps every
 * session on the listening socket.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { udpImplementation } from '@kcptunb/udp';
import { echoTransfer, ProcessGroup, waitFor } from '@kcptunb/testkit';
import { connectedSocketsOn, descriptorsOf } from '../support/serverSockets.js';

const group = new ProcessGroup();
after(() => group.cleanup());
const native = udpImplementation().kind === 'native';

test('an established server session has a connected socket of its own; it is closed when the session ends', async () => {
  const target = await group.echoServer();
  const tunnel = await group.tunnel({ client: 'ours', server: 'ours', targetPort: target, serverArgs: ['--key', 'own', '--quiet'], clientArgs: ['--key', 'own', '--quiet', '--conn', '1'] });
  const pid = tunnel.server.child.pid!;
  const quiet = descriptorsOf(pid).count;
  assert.equal(connectedSocketsOn(tunnel.server, tunnel.udpPort), 0, 'no session yet');
  await echoTransfer(tunnel.port, 1 << 16, 20_000);
  const expected = native ? 1 : 0; // the fallback shares the listening socket, as before
  await waitFor(() => connectedSocketsOn(tunnel.server, tunnel.udpPort) === expected, 5000, `${expected} connected server socket(s)`);
  // a stopped client resets its sessions (docs/protocol.md §3.10): the server ends them at once
  await tunnel.client.stop();
  await waitFor(() => connectedSocketsOn(tunnel.server, tunnel.udpPort) === 0 && descriptorsOf(pid).count === quiet, 10_000, 'the session socket closed and the descriptors back', {
    diag: () => `connected ${connectedSocketsOn(tunnel.server, tunnel.udpPort)}, descriptors ${descriptorsOf(pid).count} (before the session ${quiet})`,
  });
});
