/**
 * `stats()` of a client and a server in this process, during a real transfer through a lossy,
 * delayed loopback path: per-session KCP figures from the data-plane shards (bytes, RTT, RTO,
 * windows, retransmits, FEC recovery), open streams from the control side, SNMP per shard.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Server, type Socket } from 'node:net';
import { Logger, resolveConfig, TunnelClient, TunnelServer, type TunnelSettings, type TunnelStats } from '@kcptunb/control';
import { freeUdpPort, Rng, startEchoServer, waitFor } from '@kcptunb/testkit';
import { startUdpRelay, type UdpRelay } from '@kcptunb/testkit';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function settings(side: 'client' | 'server', args: string[]): TunnelSettings {
  const r = resolveConfig(side, args, {});
  if (r.kind !== 'run') assert.fail(`${side}: ${r.kind}`);
  return r.settings;
}

const MiB = 1 << 20;

/** Write `bytes` and read the echo back, leaving the connection (and its smux stream) open. */
async function echoHeldOpen(port: number, bytes: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo: ${received} of ${bytes} bytes after 20 s`)), 20_000);
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= bytes) {
        clearTimeout(timer);
        resolve();
      }
    });
    socket.write(new Rng(11).fill(new Uint8Array(bytes))); // incompressible: snappy passes it through
  });
  return socket;
}

test('client and server stats(): per-session KCP figures, open streams and SNMP per shard during a lossy transfer', async () => {
  const echo = await startEchoServer();
  cleanups.push(() => new Promise((r) => (echo.server as Server).close(() => r(undefined))));
  const udp = await freeUdpPort();
  const common = ['--key', 'stats', '--crypt', 'aes', '--datashard', '10', '--parityshard', '3', '--sndwnd', '256', '--rcvwnd', '256'];
  const server = new TunnelServer(settings('server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${(echo.server.address() as { port: number }).port}`, ...common]), Logger.silent());
  cleanups.push(() => server.stop());
  await server.start();
  // seeded loss both ways and a few ms of delay: retransmissions, FEC recovery, a measurable RTT
  const relay: UdpRelay = await startUdpRelay({ target: { port: udp }, up: { loss: 0.05, delayMs: 3 }, down: { loss: 0.05, delayMs: 3 }, seed: 7 });
  cleanups.push(() => relay.close());
  const client = new TunnelClient(settings('client', ['-l', '127.0.0.1:0', '-r', `127.0.0.1:${relay.port}`, ...common]), Logger.silent());
  cleanups.push(() => client.stop());
  const { port } = (await client.start())!; // a TCP listener: -l was given

  const socket = await echoHeldOpen(port, 2 * MiB);
  // the server side's stream is open once its target connection is: wait for it rather than sleep
  let serverStats: TunnelStats | undefined;
  await waitFor(async () => ((serverStats = await server.stats()).sessions[0]?.openStreams ?? 0) === 1, 5000, 'the server session to show its open stream');
  const clientStats = await client.stats();

  assert.equal(clientStats.side, 'client');
  assert.equal(serverStats!.side, 'server');
  assert.equal(clientStats.sessions.length, 1, 'one session (--conn 1)');
  assert.equal(serverStats!.sessions.length, 1);
  const c = clientStats.sessions[0]!;
  const s = serverStats!.sessions[0]!;
  assert.equal(c.conv, s.conv, 'both ends name the same conversation');
  assert.equal(c.remote, `127.0.0.1:${relay.port}`);
  assert.match(s.remote, /^127\.0\.0\.1:\d+$/);
  assert.equal(c.openStreams, 1);
  assert.equal(s.openStreams, 1);
  for (const [name, f] of [['client', c], ['server', s]] as const) {
    // 2 MiB each way of incompressible bytes, plus smux and snappy framing
    assert.ok(f.bytesSent >= 2 * MiB && f.bytesSent < 3 * MiB, `${name} bytesSent ${f.bytesSent}`);
    assert.ok(f.bytesReceived >= 2 * MiB && f.bytesReceived < 3 * MiB, `${name} bytesReceived ${f.bytesReceived}`);
    // datagrams carry KCP, FEC and crypt headers, parity and retransmissions on top
    assert.ok(f.wireBytesSent > f.bytesSent, `${name} wireBytesSent ${f.wireBytesSent} vs ${f.bytesSent}`);
    assert.ok(f.datagramsSent > f.bytesSent / 1400 && f.datagramsReceived > 0, `${name} datagrams ${f.datagramsSent}/${f.datagramsReceived}`);
    // 3 ms each way: an RTT of at least 6 ms, far below a second
    assert.ok(f.srtt >= 5 && f.srtt < 1000, `${name} srtt ${f.srtt}`);
    assert.ok(f.rto >= f.srtt && f.rto <= 60_000, `${name} rto ${f.rto}`);
    assert.ok(f.rttvar >= 0, `${name} rttvar ${f.rttvar}`);
    assert.equal(f.sendWindow, 256);
    assert.equal(f.receiveWindow, 256);
    assert.ok(f.receiveWindowFree > 0 && f.receiveWindowFree <= 256, `${name} receiveWindowFree ${f.receiveWindowFree}`);
    assert.ok(f.remoteWindow > 0 && f.remoteWindow <= 256, `${name} remoteWindow ${f.remoteWindow}`);
    assert.ok(f.inFlight >= 0 && f.inFlight <= 256, `${name} inFlight ${f.inFlight}`);
    // 5 % loss over ~1,700 data datagrams each way
    assert.ok(f.retransmits > 0, `${name} retransmits ${f.retransmits}`);
    assert.ok(f.fecRecovered > 0, `${name} fecRecovered ${f.fecRecovered}`);
  }
  // the session's share of its shard's counters, and the shards' sum
  for (const stats of [clientStats, serverStats!]) {
    assert.equal(stats.shards.length, stats === clientStats ? client.dataPlane.shardCount : server.dataPlane.shardCount);
    assert.equal(stats.shards.reduce((n, sh) => n + sh.sessions, 0), stats.sessions.length);
    const f = stats.sessions[0]!;
    const shard = stats.shards[f.shard]!.snmp;
    assert.ok(shard.BytesSent >= f.bytesSent && shard.RetransSegs >= f.retransmits && shard.FECRecovered >= f.fecRecovered, JSON.stringify(shard));
    assert.equal(stats.snmp.BytesSent, stats.shards.reduce((n, sh) => n + sh.snmp.BytesSent, 0));
    assert.equal(stats.snmp.CurrEstab, 1);
    assert.equal(typeof stats.snmp.ReplayDrops, 'number', 'kcptunb\'s own counters are there too');
    for (const sh of stats.shards) assert.ok(sh.eventLoop && sh.eventLoop.activeMs > 0 && sh.eventLoop.idleMs >= 0, `shard ${sh.index} event loop ${JSON.stringify(sh.eventLoop)}`);
  }
  socket.destroy();
  await waitFor(async () => ((await client.stats()).sessions[0]?.openStreams ?? -1) === 0, 5000, 'the closed stream to leave the client figures');
});
