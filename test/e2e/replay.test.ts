/**
 * Replay protection (docs/deviations.md): the datagrams a real client sent for one request,
 * recorded by a relay and sent again from new source addresses, open no session, reach no
 * target and are counted in ReplayDrops. Replayed from the address of the session that sent
 * them, while it lives, they deliver nothing twice, and once it has ended they open nothing. The
 * same replay against a server with --replay-filter=0 opens sessions: the check that this test
 * can fail.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { bindLoopbackUdp, echoTransfer, freeTcpPort, freeUdpPort, kcptunbCountersOf, ProcessGroup, snmpOf, waitFor, canConnect, type Proc } from '@kcptunb/testkit';
import { UdpRelay } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const KEY = 'replay';

const sessionsOpened = (server: Proc) => (server.output().match(/remote address: /g) ?? []).length;

async function serverWith(flags: string[], targetPort: number): Promise<{ server: Proc; udp: number }> {
  const udp = await freeUdpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${targetPort}`, '--key', KEY, '--quiet', ...flags]);
  await server.waitOutput(/listening on/, 10_000);
  return { server, udp };
}

/** A real client through a recording relay (the client's datagrams to the server are kept). */
async function recordedClient(serverUdp: number): Promise<{ relay: UdpRelay; client: Proc; port: number; recorded: Buffer[] }> {
  const recorded: Buffer[] = [];
  const relay = await UdpRelay.start({ target: { port: serverUdp }, recordUp: (d) => recorded.push(d) });
  group.onCleanup(() => relay.close());
  const port = await freeTcpPort();
  const client = group.start('ours', 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${relay.port}`, '--key', KEY, '--quiet']);
  await waitFor(() => canConnect(port), 10_000, 'the client to accept', { diag: () => client.tail() });
  return { relay, client, port, recorded };
}

/** Run one real client through a recording relay: one echoed request; returns what it sent. */
async function recordOneRequest(serverUdp: number): Promise<Buffer[]> {
  const { relay, client, port, recorded } = await recordedClient(serverUdp);
  await echoTransfer(port, 2000, 10_000);
  await client.stop();
  await relay.close();
  return recorded;
}

async function replayFrom(addresses: number, datagrams: Buffer[], serverUdp: number): Promise<void> {
  for (let a = 0; a < addresses; a++) {
    const s = await bindLoopbackUdp();
    s.on('message', () => {});
    // every send has left before the socket closes
    await Promise.all(datagrams.map((d) => new Promise<void>((sent) => s.send(d, serverUdp, '127.0.0.1', () => sent()))));
    s.close();
  }
}

test('replayed datagrams from new addresses open no session, reach no target, and are counted', async () => {
  const target = await group.echoTarget();
  const { server, udp } = await serverWith([], target.port);
  const recorded = await recordOneRequest(udp);
  assert.ok(recorded.length > 0, 'the relay recorded the client');
  await waitFor(() => target.stats().dataConnections === 1, 5000, 'the real request at the target');
  const opened = sessionsOpened(server);
  const before = await kcptunbCountersOf(server);
  await replayFrom(5, recorded, udp);
  // every replay from the 5 addresses is refused: the first datagram of each at least is counted
  await waitFor(async () => (await kcptunbCountersOf(server)).ReplayDrops! - before.ReplayDrops! >= 5, 5000, 'ReplayDrops to count the replays', { pollMs: 100, diag: () => server.tail() });
  assert.equal(sessionsOpened(server), opened, 'no session opened for a replay');
  assert.equal(target.stats().dataConnections, 1, 'the target saw only the real request');
});

test('with --replay-filter=0 the same replay opens sessions (what the filter prevents)', async () => {
  const target = await group.echoTarget();
  const { server, udp } = await serverWith(['--replay-filter=0'], target.port);
  const recorded = await recordOneRequest(udp);
  const opened = sessionsOpened(server);
  await replayFrom(2, recorded, udp);
  await waitFor(() => sessionsOpened(server) >= opened + 2, 5000, 'replays to open sessions without the filter', { diag: () => server.tail() });
  assert.equal((await kcptunbCountersOf(server)).ReplayDrops, 0);
});

test('replayed from the recorded session\'s own address: nothing delivered twice while it lives, no new session after it ends', async () => {
  const target = await group.echoTarget();
  const { server, udp } = await serverWith([], target.port);
  const { relay, client, port, recorded } = await recordedClient(udp);
  await echoTransfer(port, 2000, 10_000);
  await waitFor(() => target.stats().dataConnections === 1, 5000, 'the real request at the target');
  const first = recorded.slice();
  // what the server took in: processed (InPkts) or refused as seen before (ReplayDrops)
  const received = async () => (await snmpOf(server)).InPkts! + (await kcptunbCountersOf(server)).ReplayDrops!;
  const before = await received();
  await relay.replayUp(first);
  await waitFor(async () => (await received()) >= before + first.length, 5000, 'the server to receive the replay', { pollMs: 100, diag: () => server.tail() });
  assert.equal(target.stats().dataConnections, 1, 'the replay into the live session delivered the request again');
  assert.equal(sessionsOpened(server), 1);
  // the session still carries requests
  await echoTransfer(port, 2000, 10_000);
  await waitFor(() => target.stats().dataConnections === 2, 5000, 'the second request at the target');
  // the client stops: its session ends on the server (FIN and reset); the same replay now is a newcomer
  await client.stop();
  await waitFor(async () => (await snmpOf(server)).CurrEstab === 0, 5000, 'the session to end on the server', { pollMs: 100, diag: () => server.tail() });
  const drops = (await kcptunbCountersOf(server)).ReplayDrops!;
  await relay.replayUp(first);
  await waitFor(async () => (await kcptunbCountersOf(server)).ReplayDrops! > drops, 5000, 'ReplayDrops to count the replay', { pollMs: 100, diag: () => server.tail() });
  assert.equal(sessionsOpened(server), 1, 'the replay opened a session');
  assert.equal(target.stats().dataConnections, 2, 'the replay reached the target');
});
