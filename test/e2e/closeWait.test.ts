/**
 * Upstream's `--closewait` (kcptun dialect, docs/protocol.md §7.12): once one direction of a
 * connection ends, the other keeps flowing for up to that many seconds, then both close. Stock
 * smux has no half-close, so what a close wait keeps open is the direction toward the side that
 * did not end: the server's wait keeps the client's bytes flowing to a target that sent its FIN,
 * the client's wait keeps the target's reply flowing to an application that sent its FIN.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ProcessGroup, startTunnel, waitFor, type Tunnel } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

const WAIT_S = 2;

/** waitFor, failing with both ends' last log lines (the first request on a fresh tunnel is what it waits for). */
async function waitWithLogs(t: Tunnel, condition: () => boolean, ms: number, what: string): Promise<void> {
  try {
    await waitFor(condition, ms, what);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nclient:\n${t.client.tail(8)}\nserver:\n${t.server.tail(8)}`);
  }
}

/**
 * A TCP target that, per connection, runs `onConnection`; `received` and `closedAt` describe its
 * latest connection (a warm-up connection before it does not count).
 */
async function target(onConnection: (socket: Socket) => void): Promise<{ port: number; received: () => string; closedAt: () => number | undefined }> {
  let received = '';
  let closedAt: number | undefined;
  let latest = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const n = ++latest;
    received = '';
    closedAt = undefined;
    socket.on('data', (d) => n === latest && (received += d.toString()));
    socket.on('end', () => socket.end()); // half-open only while the tunnel keeps its side open
    socket.on('close', () => n === latest && (closedAt = Date.now()));
    socket.on('error', () => {});
    onConnection(socket);
  });
  group.track(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, received: () => received, closedAt: () => closedAt };
}

/**
 * One connection through the fresh tunnel before the scenario, so that what the scenario times
 * is the close wait and not the opening of the tunnel's first session; returns once the target
 * saw that connection close.
 */
async function warmUp(port: number, t0: { received: () => string; closedAt: () => number | undefined }): Promise<void> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  group.onCleanup(() => void socket.destroy());
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write('warm');
  await waitFor(() => t0.received() === 'warm', 30_000, 'the warm-up bytes at the target');
  socket.destroy();
  await waitFor(() => t0.closedAt() !== undefined, 60_000, 'the warm-up connection closed at the target');
}

/** An application connection through the tunnel that records what it received, when its last bytes came and when it saw EOF. */
function application(port: number): { socket: Socket; received: () => string; receivedAt: () => number; endedAt: () => number | undefined; ready: Promise<void> } {
  let received = '';
  let receivedAt = 0;
  let endedAt: number | undefined;
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('data', (d) => {
    received += d.toString();
    receivedAt = Date.now();
  });
  socket.on('end', () => (endedAt = Date.now()));
  socket.on('error', () => {});
  group.onCleanup(() => void socket.destroy());
  const ready = new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, received: () => received, receivedAt: () => receivedAt, endedAt: () => endedAt, ready };
}

for (const wait of [WAIT_S, 0]) {
  test(`server --closewait ${wait}: after the target's FIN the client's late bytes ${wait ? 'still reach it, and both close after the wait' : 'are lost: both close at once'}`, async () => {
    // the target answers, sends its FIN at once, and keeps reading
    const t0 = await target((socket) => socket.once('data', () => socket.end('bye')));
    const t = await startTunnel(group, 'ours', 'ours', t0.port, { nocomp: true }, ['--dialect', 'kcptun'], ['--closewait', String(wait)]);
    await warmUp(t.port, t0);
    const app = application(t.port);
    await app.ready;
    app.socket.write('hello');
    await waitWithLogs(t, () => app.received() === 'bye', 20_000, 'the reply');
    const finAt = app.receivedAt(); // the reply and the target's FIN travel together
    // the scenario: the application writes again a moment after the target ended (not a wait for a condition)
    await new Promise((r) => setTimeout(r, 300));
    app.socket.write('late');
    await waitFor(() => app.endedAt() !== undefined, 15_000, 'EOF at the application');
    await waitFor(() => t0.closedAt() !== undefined, 15_000, 'the target connection closed by the server');
    if (wait) {
      assert.equal(t0.received(), 'hellolate', 'bytes sent after the target ended still reach it during the wait');
      assert.ok(app.endedAt()! - finAt >= wait * 1000 - 500, `EOF ${app.endedAt()! - finAt} ms after the target's FIN, before the ${wait} s wait was over`);
    } else {
      assert.equal(t0.received(), 'hello', 'without a wait the connection is gone when the late bytes come');
    }
    await t.stop();
  });
}

for (const wait of [WAIT_S, 0]) {
  test(`client --closewait ${wait}: after the application's FIN a late reply ${wait ? 'still reaches it, and both close after the wait' : 'is lost: both close at once'}`, async () => {
    // the target replies 500 ms after the request, without waiting for an EOF
    const t0 = await target((socket) => socket.once('data', () => setTimeout(() => socket.writable && socket.write('late reply'), 500)));
    const t = await startTunnel(group, 'ours', 'ours', t0.port, { nocomp: true }, ['--closewait', String(wait)], ['--dialect', 'kcptun', '--closewait', '0']);
    await warmUp(t.port, t0);
    const app = application(t.port);
    await app.ready;
    app.socket.end('request');
    const finAt = Date.now();
    await waitFor(() => app.endedAt() !== undefined, 15_000, 'EOF at the application');
    await waitFor(() => t0.closedAt() !== undefined, 15_000, 'the target connection closed');
    if (wait) {
      assert.equal(app.received(), 'late reply');
      assert.ok(app.endedAt()! - finAt >= wait * 1000 - 500, `EOF ${app.endedAt()! - finAt} ms after the application's FIN, before the ${wait} s wait was over`);
    } else {
      assert.equal(app.received(), '', 'without a wait the connection is gone before the reply');
    }
    assert.equal(t0.received(), 'request');
    await t.stop();
  });
}
