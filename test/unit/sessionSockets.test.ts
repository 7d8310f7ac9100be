/**
 * Server sessions' own sockets: the kernel behaviour they rest on (a connected SO_REUSEPORT
 * socket takes its 4-tuple's datagrams from the listening socket, replies leave from the address
 * the client dialled, a wildcard listener learns that address), descriptors returned on close,
 * and the fallback to the shared socket when the kernel refuses one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { openSessionEndpoint, openUdpEndpoint, udpAddon, type Senders, type UdpEndpoint } from '@kcptunb/udp';
import { SESSION_SOCKETS_WITHOUT_HASH4, sessionSocketLimit } from '@kcptunb/dataplane';
import { SessionSockets } from '@kcptunb/dataplane/shell';

const kernels = loadKernels();
const onNative = { skip: udpAddon().addon ? false : 'session sockets need the batched-UDP addon (Linux)' };
const common = { kernels, sockBuf: 1 << 20, dscp: 0, log: () => {} };

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const descriptors = () => readdirSync('/proc/self/fd').length;

async function client(): Promise<{ socket: Socket; got: string[]; send: (text: string, port: number, address: string) => Promise<void> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const got: string[] = [];
  socket.on('message', (m, from) => got.push(`${m.toString()} from ${from.address}:${from.port}`));
  const send = (text: string, port: number, address: string) => new Promise<void>((r) => socket.send(text, port, address, () => r()));
  return { socket, got, send };
}

// family, listener address, the address the client sends to, that address as the listener reports it
for (const [family, bind, dialled, reported] of [
  [4, '0.0.0.0', '127.0.0.2', '127.0.0.2'],
  [4, '127.0.0.1', '127.0.0.1', '127.0.0.1'],
  [6, '::', '127.0.0.3', '::ffff:7f00:3'],
] as const) {
  test(`a session socket takes its client's datagrams off a ${bind} listener and answers from ${dialled}`, onNative, async () => {
    const atListener: string[] = [];
    const destinations: Array<string | undefined> = [];
    const onListener = (batch: DatagramBatch, senders: Senders | undefined) => {
      for (let i = 0; i < batch.count; i++) {
        atListener.push(Buffer.from(batch.view(i)).toString());
        destinations.push(senders!.destination?.(i));
      }
    };
    const listener = await openUdpEndpoint({ ...common, family, bindAddress: bind, bindPort: 0, reusePort: true, receiveDestinations: bind !== '127.0.0.1', onReceive: onListener });
    const port = listener.local.port;
    const c = await client();
    const other = await client();
    let own: UdpEndpoint | undefined;
    const fdsBefore = descriptors();
    try {
      await c.send('first', port, dialled);
      await until(() => atListener.length === 1, 2000, 'the first datagram at the listener');
      const local = bind === '127.0.0.1' ? bind : destinations[0];
      assert.equal(local, reported, 'the datagram’s destination address');
      const atSession: string[] = [];
      own = openSessionEndpoint({ ...common, family, bindAddress: local!, bindPort: port, connect: { address: family === 6 ? `::ffff:127.0.0.1` : '127.0.0.1', port: c.socket.address().port }, onReceive: (b) => {
        for (let i = 0; i < b.count; i++) atSession.push(Buffer.from(b.view(i)).toString());
      } });
      assert.ok(own, 'a session socket on the native path');
      assert.equal(descriptors(), fdsBefore + 1, 'one descriptor for the session socket');
      for (let i = 0; i < 5; i++) await c.send(`next ${i}`, port, dialled);
      await other.send('newcomer', port, dialled);
      await until(() => atSession.length === 5 && atListener.length === 2, 2000, 'the session’s datagrams on its own socket, the newcomer’s at the listener');
      assert.deepEqual(atSession, [0, 1, 2, 3, 4].map((i) => `next ${i}`));
      assert.deepEqual(atListener, ['first', 'newcomer']);
      const batch = new DatagramBatch(kernels, 1);
      batch.push(Buffer.from('reply'));
      own.send(batch);
      batch.dispose();
      await until(() => c.got.length === 1, 2000, 'the reply');
      assert.equal(c.got[0], `reply from ${dialled}:${port}`, 'the reply leaves from the address the client dialled');
      own.close();
      own = undefined;
      assert.equal(descriptors(), fdsBefore, 'the descriptor is returned on close');
      await c.send('after close', port, dialled);
      await until(() => atListener.length === 3, 2000, 'the client’s datagram back at the listener');
      assert.equal(atListener[2], 'after close');
    } finally {
      own?.close();
      listener.close();
      c.socket.close();
      other.socket.close();
    }
  });
}

test('the kernel refusing a session socket: the session falls back to the shared socket, logged once, counted', () => {
  const lines: string[] = [];
  const opened: Array<{ closed: boolean }> = [];
  let refuse = true;
  const sockets = new SessionSockets(() => {
    if (refuse) throw new Error('bind: Address already in use');
    const s = { closed: false };
    opened.push(s);
    return { kind: 'native', local: { address: '127.0.0.1', port: 1 }, send: () => {}, stats: () => ({}) as never, close: () => (s.closed = true) };
  }, (line) => lines.push(line));
  const request = { local: { address: '127.0.0.1', port: 1 }, peer: { address: '127.0.0.1', port: 2 }, onReceive: () => {} };
  assert.equal(sockets.attach(1, request), undefined);
  assert.equal(sockets.attach(2, request), undefined);
  assert.equal(sockets.attach(3, undefined), undefined, 'no destination address: shared socket');
  assert.equal(sockets.refused, 3);
  assert.equal(lines.length, 1, 'logged once');
  assert.match(lines[0]!, /Address already in use.*share the listening socket/);
  refuse = false;
  assert.ok(sockets.attach(4, request));
  assert.ok(sockets.attach(5, request));
  assert.equal(sockets.size, 2);
  sockets.detach(4);
  sockets.detach(1); // a session that had none
  assert.deepEqual(opened.map((s) => s.closed), [true, false]);
  sockets.closeAll();
  assert.deepEqual(opened.map((s) => s.closed), [true, true]);
  assert.equal(sockets.size, 0);
});

test('session sockets are used on the native path unless turned off; a kernel without the 4-tuple hash gets a limit', () => {
  assert.equal(sessionSocketLimit({}, true, '6.18.44-fc'), Infinity);
  assert.equal(sessionSocketLimit({}, true, '6.14.0'), Infinity);
  assert.equal(sessionSocketLimit({}, true, '6.13.9'), SESSION_SOCKETS_WITHOUT_HASH4);
  assert.equal(sessionSocketLimit({}, true, '5.15.0-91-generic'), SESSION_SOCKETS_WITHOUT_HASH4);
  assert.equal(sessionSocketLimit({}, true, 'unknown'), SESSION_SOCKETS_WITHOUT_HASH4);
  assert.equal(sessionSocketLimit({}, false, '6.18.0'), 0, 'node:dgram keeps the shared socket');
  assert.equal(sessionSocketLimit({ KCPTUNB_SESSION_SOCKETS: '0' }, true, '6.18.0'), 0);
  assert.equal(sessionSocketLimit({ KCPTUNB_SESSION_SOCKETS: '500' }, true, '5.10.0'), 500);
  assert.equal(sessionSocketLimit({ KCPTUNB_REUSEPORT: '0' }, true, '6.18.0'), 0);
});

test('at the limit, further sessions share the listening socket (logged once) until one ends', () => {
  const lines: string[] = [];
  const sockets = new SessionSockets(() => ({ kind: 'native', local: { address: '127.0.0.1', port: 1 }, send: () => {}, stats: () => ({}) as never, close: () => {} }), (line) => lines.push(line), 2);
  const request = { local: { address: '127.0.0.1', port: 1 }, peer: { address: '127.0.0.1', port: 2 }, onReceive: () => {} };
  assert.ok(sockets.attach(1, request));
  assert.ok(sockets.attach(2, request));
  assert.equal(sockets.attach(3, request), undefined);
  assert.equal(sockets.attach(4, request), undefined);
  assert.equal(sockets.overLimit, 2);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /2 sessions have sockets of their own/);
  sockets.detach(1);
  assert.ok(sockets.attach(5, request), 'a socket again once one was returned');
  assert.equal(sockets.refused, 0);
});
