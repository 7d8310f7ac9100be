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
import { echoTransfer, freeTcpPort, freeUdpPort, ProcessGroup, serverReady, waitFor, waitListening } from '@kcptunb/testkit';
import { connectedSocketsOn, descriptorsOf } from '../support/serverSockets.js';

const group = new ProcessGroup();
after(() => group.cleanup());
const native = udpImplementation().kind === 'native';

test('an established server session has a connected socket of its own; it is closed when the session ends', async () => {
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, '--key', 'own', '--quiet']);
  await waitFor(() => serverReady(server, udp), 10_000, 'the server to listen', { diag: () => server.tail() });
  const pid = server.child.pid!;
  const quiet = descriptorsOf(pid).count; // before any client
  assert.equal(connectedSocketsOn(server, udp), 0, 'no session yet');
  const port = await freeTcpPort();
  const client = group.start('ours', 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udp}`, '--key', 'own', '--quiet', '--conn', '1']);
  await waitListening(port, 10_000, () => client.tail());
  await echoTransfer(port, 1 << 16, 20_000);
  const expected = native ? 1 : 0; // the fallback shares the listening socket, as before
  await waitFor(() => connectedSocketsOn(server, udp) === expected, 5000, `${expected} connected server socket(s)`);
  // a stopped client resets its sessions (docs/protocol.md §3.10): the server ends them at once
  await client.stop();
  await waitFor(() => connectedSocketsOn(server, udp) === 0 && descriptorsOf(pid).count === quiet, 10_000, 'the session socket closed and the descriptors back', {
    diag: () => `connected ${connectedSocketsOn(server, udp)}, descriptors ${descriptorsOf(pid).count} (before the session ${quiet})`,
  });
});
