/**
 * Recovery after a server restart (docs/protocol.md §3.10): a server killed with SIGKILL and
 * started again answers the client's old conversation with a reset, so a request works again
 * within 5 s; a server stopped with SIGTERM closes every stream with a FIN and resets each
 * session before it exits, so the client's applications see the close at once (≤ 2 s here) and
 * the first request after the restart works (≤ 3 s here, a loaded CI machine's bound). A client stopped with SIGTERM does the same for the
 * server: its session ends there at once, not at the keepalive timeout.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { echoTransfer, ProcessGroup, serverReady, sleep, type Proc, type Tunnel } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

const FLAGS = ['--key', 'restart', '--mode', 'fast2'];

async function startTunnel(target: number): Promise<Tunnel> {
  return group.tunnel({ client: 'ours', server: 'ours', targetPort: target, serverArgs: FLAGS, clientArgs: FLAGS });
}

/** A new server process on the old one's UDP port, ready once the port is bound. */
async function restartServer(t: Tunnel, target: number): Promise<Proc> {
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${t.udpPort}`, '-t', `127.0.0.1:${target}`, ...FLAGS]);
  const deadline = Date.now() + 10_000;
  while (!serverReady(server, t.udpPort)) {
    assert.ok(server.alive && Date.now() < deadline, `the restarted server did not bind: ${server.tail()}`);
    await sleep(10);
  }
  await server.waitOutput(/listening on/, 10_000); // its shard has the socket by then
  return server;
}

/** Milliseconds until a 4 KiB echo through the tunnel succeeds (each try bounded by `perTryMs`, all by 30 s). */
async function msUntilRequestWorks(port: number, perTryMs = 1000): Promise<{ ms: number; tries: number }> {
  const t0 = Date.now();
  for (let tries = 1; Date.now() - t0 < 30_000; tries++) {
    try {
      await echoTransfer(port, 4096, perTryMs);
      return { ms: Date.now() - t0, tries };
    } catch {
      // the try ran into the dead session: the next one dials a new session
    }
  }
  assert.fail('no request worked within 30 s of the restart');
}

function exited(p: Proc): Promise<void> {
  return new Promise((resolve) => (p.alive ? p.child.once('exit', () => resolve()) : resolve()));
}

/**
 * An open connection through the tunnel, with the time its close arrived. The first echo is only
 * the precondition (the stream reached the target): its bound is generous, since a loaded machine
 * may take seconds to open the tunnel's first session.
 */
function openIdleConnection(port: number, t: Tunnel): Promise<{ socket: Socket; closedAt: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const closedAt = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.once('connect', () => {
      // one echoed byte proves the stream reached the target
      socket.write('x');
      socket.once('data', () => resolve({ socket, closedAt }));
    });
    setTimeout(() => reject(new Error(`no echo on the idle connection within 20 s; client:\n${t.client.tail(6)}\nserver:\n${t.server.tail(6)}`)), 20_000).unref();
  });
}

test('after kill -9 and a restart of the server, a request works again within 5 s', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(target);
  await echoTransfer(t.port, 64 * 1024, 10_000);
  t.server.child.kill('SIGKILL');
  await exited(t.server);
  await restartServer(t, target);
  const r = await msUntilRequestWorks(t.port);
  console.log(`# kill -9 + restart: a request works again after ${r.ms} ms (${r.tries} tries)`);
  assert.ok(r.ms <= 5000, `a request worked only after ${r.ms} ms; client:\n${t.client.tail(8)}`);
  // the reset ends the old session at the first datagram after the restart; when data was still in
  // flight at the kill and the restart took longer than the silence bound, the silence watch did
  const why = /reset by the peer|the peer went silent/.exec(t.client.output());
  assert.ok(why, 'the client ended the old session itself (reset or silence), not at the keepalive timeout');
  console.log(`# the old session ended: ${why[0]}`);
});

test('SIGTERM: client applications see the close at once; the first request after a restart works', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(target);
  const idle = await openIdleConnection(t.port, t);
  const t0 = Date.now();
  t.server.child.kill('SIGTERM');
  const closeMs = (await idle.closedAt) - t0;
  await exited(t.server);
  const exitMs = Date.now() - t0;
  await restartServer(t, target);
  // one try may take 3 s: on a loaded machine a fresh process's first request can take over 1 s, and
  // a cut-off try would count as the dead session; a session that survived the restart would hang
  // the try until its keepalive timeout (tens of seconds), so one try still proves the reset
  const r = await msUntilRequestWorks(t.port, 3000);
  console.log(`# SIGTERM: the application saw the close after ${closeMs} ms, the server exited after ${exitMs} ms; a request works again ${r.ms} ms after the restart (${r.tries} tries)`);
  assert.ok(closeMs <= 2000, `the application saw the close only after ${closeMs} ms`);
  assert.ok(r.ms <= 3000, `a request worked only after ${r.ms} ms`);
  assert.equal(r.tries, 1, 'the first request after the restart works: the reset had ended the old session');
});

test('SIGTERM of the client: the server ends its session at once (FIN, then the reset), not at the keepalive timeout', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(target);
  await openIdleConnection(t.port, t);
  const opened = /remote address: (127\.0\.0\.1:\d+) conv/.exec(t.server.output());
  assert.ok(opened, `the server logged the session: ${t.server.tail(4)}`);
  const t0 = Date.now();
  t.client.child.kill('SIGTERM');
  await exited(t.client);
  await t.server.waitOutput(new RegExp(`session ${opened[1]!.replace(/\./g, '\\.')} closed`), 5000);
  const ms = Date.now() - t0;
  console.log(`# client SIGTERM: the server closed the session after ${ms} ms: ${t.server.tail(1)}`);
  assert.ok(ms <= 3000, `the server closed the session only after ${ms} ms`);
});
