/**
 * Server session demultiplexing by (address, conv): a client that restarts on
 * the same UDP port with a new conv (first segment sn 0) replaces its old
 * session, as stock kcptun does (docs/protocol.md §3.9); garbage never opens a session.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { loadKernels, DatagramBatch } from '@kcptunb/wasm';
import { createDatagramCipher, deriveKey } from '@kcptunb/crypt';
import { KcpSession } from '@kcptunb/session';
import { DEFAULT_KCP_CONFIG } from '@kcptunb/kcp';
import { freeUdpPort, sleep, waitFor, ProcessGroup } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const kernels = loadKernels();

test('a new conv from a known address replaces the session; random datagrams open none', async () => {
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, '--key', 'demux', '--nocomp', '--streambuf-en=0']);
  await waitFor(() => /listening on/.test(server.output()), 8000, 'the server');
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  socket.on('message', () => {});
  const sendAll = (batch: DatagramBatch) => {
    for (let i = 0; i < batch.count; i++) socket.send(Buffer.from(batch.view(i)), udp, '127.0.0.1');
  };
  const nop = new Uint8Array([1, 3, 0, 0, 1, 0, 0, 0]); // smux NOP sid 1
  for (const conv of [0x1111, 0x2222]) {
    const s = new KcpSession(kernels, { conv, kcp: DEFAULT_KCP_CONFIG, cipher: createDatagramCipher(kernels, 'aes', deriveKey('demux')), dataShards: 10, parityShards: 3, onDatagrams: sendAll });
    // keep the session alive (retransmissions) for a while, as a real client would
    const t0 = Date.now();
    s.write(nop, 0);
    while (Date.now() - t0 < 1500) {
      await sleep(20);
      s.update(Date.now() - t0);
    }
    s.close();
  }
  await waitFor(() => (server.output().match(/remote address: /g) ?? []).length >= 2, 5000, 'a second session');
  const out = server.output();
  assert.match(out, /conv 4369/);
  assert.match(out, /conv 8738/);
  assert.match(out, /new conversation/);
  // random bytes from a new address: dropped, no session
  const other = createSocket('udp4');
  await new Promise<void>((r) => other.bind(0, '127.0.0.1', r));
  for (let i = 0; i < 50; i++) other.send(Buffer.alloc(100 + i, i), udp, '127.0.0.1');
  await sleep(300);
  assert.equal((server.output().match(/remote address: /g) ?? []).length, 2);
  socket.close();
  other.close();
});
