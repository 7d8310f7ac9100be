/**
 * End to end with real processes on loopback: our client ↔ our server in front
 * of a TCP echo target. Volumes can be shrunk for quick local runs with
 * KCPTUNB_E2E_MIB (CI uses the full 256 MiB).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { reusePortSupported } from '@kcptunb/dataplane';
import { concurrentEchoes, echoTransfer, ProcessGroup, startTunnel, waitFor } from '@kcptunb/testkit';

const MiB = 1 << 20;
const BIG = Number(process.env.KCPTUNB_E2E_MIB ?? 256) * MiB;
const group = new ProcessGroup();
after(() => group.cleanup());

test(`ours ↔ ours: ${BIG / MiB} MiB each way, SHA-256 verified`, async () => {
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target);
  const r = await echoTransfer(t.port, BIG, 240_000);
  assert.equal(r.bytes, BIG);
  console.log(`# ${BIG / MiB} MiB echoed in ${r.ms} ms (${((BIG / MiB) / (r.ms / 1000)).toFixed(1)} MiB/s each way)`);
});

test('ours ↔ ours: 100 concurrent streams', async () => {
  const echo = await group.echoTarget();
  const t = await startTunnel(group, 'ours', 'ours', echo.port);
  const before = echo.stats();
  await concurrentEchoes(t.port, 100, 256 * 1024, 60_000);
  const seen = echo.stats();
  assert.equal(seen.dataConnections - before.dataConnections, 100, 'one target connection per stream');
  assert.equal(seen.bytes - before.bytes, 100 * 256 * 1024, 'every byte of every stream reached the target exactly once');
});

test('half-close probe: bytes sent before the FIN arrive intact; then the tunnel closes both directions (kcptun semantics)', async () => {
  // every connection the target sees (the tunnel start-up probe opens an empty one too)
  const seen: Array<{ bytes: number; hash: string }> = [];
  const sink = createServer((s) => {
    const h = createHash('sha256');
    let bytes = 0;
    s.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
    });
    s.on('end', () => {
      seen.push({ bytes, hash: h.digest('hex') });
      s.end();
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  group.track(sink);
  const t = await startTunnel(group, 'ours', 'ours', (sink.address() as { port: number }).port);
  const data = randomBytes(300 * 1024);
  const closed = new Promise<void>((resolve, reject) => {
    const s = connect(t.port, '127.0.0.1', () => {
      s.write(data);
      s.end(); // half-close: "I will write no more"
    });
    s.on('data', () => {});
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  await closed;
  await waitFor(() => seen.some((c) => c.bytes > 0), 10_000, 'the target to see the data and the FIN');
  const got = seen.find((c) => c.bytes > 0)!;
  assert.equal(got.bytes, data.length);
  assert.equal(got.hash, createHash('sha256').update(data).digest('hex'));
});

test('--conn 4: streams spread round-robin over four sessions on two shards', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--conn', '4'], [], { env: { ...process.env, KCPTUNB_SHARDS: '2' } });
  await concurrentEchoes(t.port, 8, 512 * 1024, 60_000);
  const sessions = new Set(t.server.output().match(/remote address: \S+/g) ?? []);
  assert.equal(sessions.size, 4, `four KCP sessions reached the server:\n${t.server.output()}`);
  const shards = new Set(t.client.output().match(/shard \d+: kernels/g) ?? []);
  assert.equal(shards.size, 2, 'two data-plane shards started');
  const opened = t.client.output().match(/connection: /g) ?? [];
  assert.equal(opened.length, 4);
});

test('kill -9 of the server mid-transfer: the client notices, reconnects when it returns, new streams work', async () => {
  const target = await group.echoServer();
  const keepalive = ['--keepalivems', '500', '--keepalive-timeout', '2000'];
  const t = await startTunnel(group, 'ours', 'ours', target, { extra: keepalive });
  await echoTransfer(t.port, 4 * MiB, 30_000);
  let progress = 0;
  const doomed = echoTransfer(t.port, 512 * MiB, 60_000, { onData: (received) => (progress = received) }).then(
    () => 'completed',
    () => 'failed',
  );
  await waitFor(() => progress >= 1 * MiB, 30_000, 'the doomed transfer to be under way');
  t.server.child.kill('SIGKILL');
  assert.equal(await doomed, 'failed', 'the interrupted transfer does not pretend to complete');
  await waitFor(() => /closed: .*(keepalive|timeout)/i.test(t.client.output()), 15_000, 'the client to log the dead session');
  // the server returns on the same UDP port
  const again = group.start('ours', 'server', ['-l', `127.0.0.1:${t.udpPort}`, '-t', `127.0.0.1:${target}`, '--key', 'test key', '--crypt', 'aes', '--quiet', ...keepalive]);
  await again.waitOutput(/listening on/, 8000);
  const r = await echoTransfer(t.port, 2 * MiB, 30_000);
  assert.equal(r.bytes, 2 * MiB);
});

test('SIGTERM / SIGINT: both ends stop accepting, shut their workers down and exit 0', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target);
  await echoTransfer(t.port, 1 * MiB, 30_000);
  const exited = (p: typeof t.client) => new Promise<[number | null, string | null]>((resolve) => {
    if (p.child.exitCode !== null) resolve([p.child.exitCode, p.child.signalCode]);
    else p.child.once('exit', (code, signal) => resolve([code, signal]));
  });
  const clientExit = exited(t.client);
  t.client.child.kill('SIGTERM');
  assert.deepEqual(await clientExit, [0, null]);
  const serverExit = exited(t.server);
  t.server.child.kill('SIGINT');
  assert.deepEqual(await serverExit, [0, null]);
});

test('KCPTUNB_SHARDS=0: the data plane runs on the control thread, same bytes', async () => {
  const echo = await group.echoTarget();
  // the variable goes to the tunnel processes only: nothing in this process to restore
  const t = await startTunnel(group, 'ours', 'ours', echo.port, {}, [], [], { env: { ...process.env, KCPTUNB_SHARDS: '0' } });
  const before = echo.stats();
  await echoTransfer(t.port, 16 * MiB, 60_000);
  await concurrentEchoes(t.port, 20, 128 * 1024, 60_000);
  const seen = echo.stats();
  assert.equal(seen.bytes - before.bytes, 16 * MiB + 20 * 128 * 1024);
  assert.equal(seen.dataConnections - before.dataConnections, 21);
});

test('server on two shards without SO_REUSEPORT: the listener shard forwards half the sessions to the other', async () => {
  // KCPTUNB_REUSEPORT=0 forces the forwarding path on Node versions that have SO_REUSEPORT too
  assert.equal(reusePortSupported('22.12.0', {}), true);
  assert.equal(reusePortSupported('22.12.0', { KCPTUNB_REUSEPORT: '0' }), false);
  const target = await group.echoServer();
  const env = { ...process.env, KCPTUNB_SHARDS: '2', KCPTUNB_REUSEPORT: '0' };
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--conn', '4'], [], { env });
  await concurrentEchoes(t.port, 8, 2 * MiB, 60_000);
  const forwarded = t.server.output().match(/shard 1: running forwarded session \d+/g) ?? [];
  assert.equal(forwarded.length, 2, `two of four sessions run on shard 1:\n${t.server.output()}`);
});
