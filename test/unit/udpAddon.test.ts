/**
 * The batched-UDP addon (@kcptunb/udp) on real loopback sockets: batches in and out, peer
 * addresses, GSO, and every error path a network can produce — truncated, oversize and empty
 * datagrams, ICMP refusals, a socket closed under a pending send, kernel memory growing between
 * calls, a worker terminated with a live socket — each counted, none thrown. Linux only (the
 * addon's platform); the fallback's selection is checked everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { DatagramBatch, DATAGRAM_STRIDE, loadKernels } from '@kcptunb/wasm';
import { openUdpEndpoint, packPeer, peerKey, SpillQueue, STAT, STAT_COUNT, udpAddon, type Senders, type UdpAddon, type UdpEndpoint } from '@kcptunb/udp';

const kernels = loadKernels();
const linux = process.platform === 'linux';
const native = udpAddon();
const addon = native.addon as UdpAddon;
const onLinux = { skip: linux ? false : 'the batched-UDP addon is Linux-only (the fallback is tested below)' };

/** Resolve when `check` holds, polling every 2 ms, for at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function fill(batch: DatagramBatch, sizes: number[], seed = 1): Uint8Array[] {
  batch.clear();
  return sizes.map((n, i) => {
    const d = new Uint8Array(n);
    for (let k = 0; k < n; k++) d[k] = (seed * 31 + i * 7 + k) & 0xff;
    batch.push(d);
    return d;
  });
}

interface Received {
  datagrams: Uint8Array[];
  from: string[];
}

function collector(): { got: Received; onReceive: (b: DatagramBatch, s: Senders | undefined) => void } {
  const got: Received = { datagrams: [], from: [] };
  return {
    got,
    onReceive: (batch, senders) => {
      for (let i = 0; i < batch.count; i++) {
        got.datagrams.push(batch.view(i).slice());
        if (senders) got.from.push(senders.peer(i).text);
      }
    },
  };
}

async function pair(): Promise<{ server: UdpEndpoint; client: UdpEndpoint; atServer: Received; atClient: Received; close: () => void }> {
  const s = collector();
  const c = collector();
  const common = { kernels, family: 4 as const, sockBuf: 1 << 20, dscp: 0, log: () => {} };
  const server = await openUdpEndpoint({ ...common, bindAddress: '127.0.0.1', bindPort: 0, onReceive: s.onReceive });
  const client = await openUdpEndpoint({ ...common, bindAddress: '127.0.0.1', bindPort: 0, connect: { address: '127.0.0.1', port: server.local.port }, onReceive: c.onReceive });
  return { server, client, atServer: s.got, atClient: c.got, close: () => [server, client].forEach((e) => e.close()) };
}

test('the addon loads on Linux (not silently the fallback)', onLinux, () => {
  assert.ok(native.addon, `addon unavailable: ${native.addon ? '' : native.reason}`);
});

test('a batch goes out in one call and arrives whole, in order, with the sender address', onLinux, async () => {
  const p = await pair();
  try {
    assert.equal(p.client.kind, 'native');
    const batch = new DatagramBatch(kernels, 32);
    const sent = fill(batch, Array.from({ length: 32 }, (_, i) => 1 + ((i * 97) % 1400)));
    const calls = p.client.stats().sendCalls;
    p.client.send(batch);
    assert.equal(p.client.stats().sendCalls - calls, 1, 'one sendmmsg for the batch');
    await until(() => p.atServer.datagrams.length === 32, 2000, '32 datagrams');
    assert.deepEqual(p.atServer.datagrams, sent);
    assert.ok(p.atServer.from.every((f) => f === `127.0.0.1:${p.client.local.port}`), 'sender address of every datagram');
    // and back, to the packed address the server saw
    const back = fill(batch, [10, 20, 30], 9);
    p.server.send(batch, packPeer('127.0.0.1', p.client.local.port));
    await until(() => p.atClient.datagrams.length === 3, 2000, 'replies');
    assert.deepEqual(p.atClient.datagrams, back);
    batch.dispose();
  } finally {
    p.close();
  }
});

test('sockets on one thread share one receive batch, and each still delivers only its own datagrams', onLinux, async () => {
  const own = loadKernels();
  const common = { kernels: own, family: 4 as const, sockBuf: 1 << 20, dscp: 0, log: () => {} };
  const s = collector();
  const server = await openUdpEndpoint({ ...common, bindAddress: '127.0.0.1', bindPort: 0, onReceive: s.onReceive });
  const before = own.heap.allocatedBytes;
  const a = collector();
  const b = collector();
  const ca = await openUdpEndpoint({ ...common, bindAddress: '127.0.0.1', bindPort: 0, connect: { address: '127.0.0.1', port: server.local.port }, onReceive: a.onReceive });
  const cb = await openUdpEndpoint({ ...common, bindAddress: '127.0.0.1', bindPort: 0, connect: { address: '127.0.0.1', port: server.local.port }, onReceive: b.onReceive });
  try {
    assert.equal(own.heap.allocatedBytes, before, 'two more sockets, no more kernel memory');
    const batch = new DatagramBatch(own, 8);
    for (let round = 0; round < 3; round++) {
      const toA = fill(batch, [100, 200, 300], 10 + round);
      server.send(batch, packPeer('127.0.0.1', ca.local.port));
      const toB = fill(batch, [50, 60], 20 + round);
      server.send(batch, packPeer('127.0.0.1', cb.local.port));
      await until(() => a.got.datagrams.length === 3 * (round + 1) && b.got.datagrams.length === 2 * (round + 1), 2000, 'both sockets');
      assert.deepEqual(a.got.datagrams.slice(-3), toA);
      assert.deepEqual(b.got.datagrams.slice(-2), toB);
    }
    batch.dispose();
  } finally {
    for (const e of [server, ca, cb]) e.close();
  }
});

test('GSO: runs of equal-size datagrams go out as segmented sends and arrive as separate datagrams', onLinux, async () => {
  const p = await pair();
  try {
    const batch = new DatagramBatch(kernels, 40);
    // 39 full-size datagrams and a shorter last one: one run (a shorter one may only come last)
    const sent = fill(batch, [...new Array<number>(39).fill(1350), 700], 3);
    p.client.send(batch);
    await until(() => p.atServer.datagrams.length === 40, 2000, '40 datagrams');
    assert.deepEqual(p.atServer.datagrams, sent);
    if (process.env.KCPTUNB_GSO !== '0') assert.ok(p.client.stats().gsoSends >= 1, `GSO used (${JSON.stringify(p.client.stats())})`);
    batch.dispose();
  } finally {
    p.close();
  }
});

test('a datagram larger than a slot is dropped and counted; its neighbours arrive intact', onLinux, async () => {
  const p = await pair();
  const raw = createSocket('udp4');
  try {
    const small = Buffer.from('before');
    const big = Buffer.alloc(DATAGRAM_STRIDE + 500, 7);
    const after = Buffer.from('after');
    for (const d of [small, big, after]) raw.send(d, p.server.local.port, '127.0.0.1');
    await until(() => p.atServer.datagrams.length === 2, 2000, 'the two small datagrams');
    assert.deepEqual(p.atServer.datagrams.map((d) => Buffer.from(d).toString()), ['before', 'after']);
    assert.equal(p.server.stats().truncated, 1);
  } finally {
    raw.close();
    p.close();
  }
});

test('an empty datagram arrives as a zero-length slot (the session layer drops it), never an error', onLinux, async () => {
  const p = await pair();
  const raw = createSocket('udp4');
  try {
    raw.send(Buffer.alloc(0), p.server.local.port, '127.0.0.1');
    raw.send(Buffer.from('x'), p.server.local.port, '127.0.0.1');
    await until(() => p.atServer.datagrams.length === 2, 2000, 'two datagrams');
    assert.deepEqual(p.atServer.datagrams.map((d) => d.length), [0, 1]);
  } finally {
    raw.close();
    p.close();
  }
});

test('a length beyond the slot never reads past it: the datagram is clipped to the slot', onLinux, async () => {
  const p = await pair();
  try {
    const batch = new DatagramBatch(kernels, 2);
    fill(batch, [100, 100]);
    batch.setLength(0, DATAGRAM_STRIDE + 4000); // a corrupt length in the batch
    p.client.send(batch);
    await until(() => p.atServer.datagrams.length === 2, 2000, 'both datagrams');
    assert.equal(p.atServer.datagrams[0]!.length, DATAGRAM_STRIDE);
    assert.equal(p.atServer.datagrams[1]!.length, 100);
    batch.dispose();
  } finally {
    p.close();
  }
});

test('ICMP port unreachable on a connected socket is counted, not thrown, and the socket keeps working', onLinux, async () => {
  const hole = createSocket('udp4');
  await new Promise<void>((r) => hole.bind(0, '127.0.0.1', r));
  const port = hole.address().port;
  hole.close(); // nothing listens there any more: sends draw ICMP port-unreachable
  const c = collector();
  const client = await openUdpEndpoint({ kernels, family: 4, sockBuf: 1 << 20, dscp: 0, log: () => {}, bindAddress: '127.0.0.1', bindPort: 0, connect: { address: '127.0.0.1', port }, onReceive: c.onReceive });
  try {
    const batch = new DatagramBatch(kernels, 4);
    for (let round = 0; round < 20 && client.stats().sendErrors + client.stats().receiveErrors === 0; round++) {
      fill(batch, [50, 50, 50, 50]);
      client.send(batch);
      await new Promise((r) => setTimeout(r, 5));
    }
    const s = client.stats();
    assert.ok(s.sendErrors + s.receiveErrors > 0, `the refusal was seen and counted (${JSON.stringify(s)})`);
    batch.dispose();
  } finally {
    client.close();
  }
});

test('kernel memory growing between calls: every call takes fresh views, nothing is lost', onLinux, async () => {
  const p = await pair();
  try {
    const batch = new DatagramBatch(kernels, 8);
    const first = fill(batch, [300, 301, 302]);
    p.client.send(batch);
    await until(() => p.atServer.datagrams.length === 3, 2000, 'the first batch');
    const before = kernels.bytes().buffer;
    const hog = kernels.alloc(64 << 20); // grows the memory: the old ArrayBuffer is detached
    assert.notEqual(kernels.bytes().buffer, before, 'memory grew');
    const second = fill(batch, [400, 401]);
    p.client.send(batch);
    await until(() => p.atServer.datagrams.length === 5, 2000, 'the second batch');
    assert.deepEqual(p.atServer.datagrams, [...first, ...second]);
    kernels.free(hog);
    batch.dispose();
  } finally {
    p.close();
  }
});

test('a socket closed while datagrams are in flight to it: no callback after close, no throw', onLinux, async () => {
  const p = await pair();
  const batch = new DatagramBatch(kernels, 64);
  fill(batch, new Array<number>(64).fill(1400));
  for (let i = 0; i < 50; i++) p.client.send(batch);
  p.close();
  const seen = p.atServer.datagrams.length;
  const raw = createSocket('udp4');
  raw.send(Buffer.from('late'), p.server.local.port, '127.0.0.1');
  p.client.send(batch); // after close: ignored
  p.client.close(); // twice: ignored
  await new Promise<void>((r) => raw.close(() => r()));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(p.atServer.datagrams.length, seen, 'nothing delivered after close');
  assert.equal(p.client.stats().queued, 0);
  batch.dispose();
});

test('batch arguments outside their buffers are refused before any syscall (RangeError)', onLinux, () => {
  const fd = addon.open(4, '127.0.0.1', 0, false);
  try {
    const mem = new Uint8Array(4096);
    const lens = new Uint32Array(4);
    const stats = new Float64Array(STAT_COUNT);
    assert.throws(() => addon.recv(fd, mem, 0, DATAGRAM_STRIDE, lens, 0, 0, 4, null, stats), RangeError, 'slots past the memory');
    assert.throws(() => addon.send(fd, mem, 0, 1000, lens, 2, 0, 4, null, stats, false), RangeError, 'lengths past their array');
    assert.throws(() => addon.recv(fd, mem, 0, 1000, lens, 0, 0, 4, null, new Float64Array(2)), RangeError, 'a short stats array');
    assert.equal(addon.recv(fd, mem, 0, 1000, lens, 0, 0, 4, null, stats), 0, 'nothing waiting: 0');
    assert.equal(stats[STAT.RECV_CALLS], 1);
  } finally {
    addon.close(fd);
  }
});

test('a worker terminated with a live polled socket does not take the process down', onLinux, async () => {
  const script = `
    import { parentPort } from 'node:worker_threads';
    import { loadKernels } from '@kcptunb/wasm';
    import { openUdpEndpoint } from '@kcptunb/udp';
    const e = await openUdpEndpoint({ kernels: loadKernels(), family: 4, sockBuf: 65536, dscp: 0, log: () => {}, bindAddress: '127.0.0.1', bindPort: 0, onReceive: () => {} });
    parentPort.postMessage(e.local.port);
    setInterval(() => {}, 1000);
  `;
  const worker = new Worker(script, { eval: true, type: 'module' } as never);
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.ok(port > 0);
  const code = await worker.terminate();
  assert.equal(typeof code, 'number', 'terminated cleanly');
});

test('the peer key is exact and distinct per address and port', () => {
  const a = packPeer('10.1.2.3', 4000);
  const b = packPeer('10.1.2.3', 4001);
  const c = packPeer('255.255.255.255', 65535);
  const six = packPeer('2001:db8::1', 4000);
  assert.equal(a.key, (10 * 16777216 + 1 * 65536 + 2 * 256 + 3) * 65536 + 4000);
  assert.notEqual(a.key, b.key);
  assert.equal(c.key, 4294967295 * 65536 + 65535);
  assert.ok(Number.isSafeInteger(c.key as number));
  assert.equal(six.text, '[2001:db8::1]:4000');
  assert.equal(peerKey(six.bytes, 0), six.key);
  assert.equal(a.text, '10.1.2.3:4000');
});

test('the spill queue keeps order, sends runs of one destination per call, and is bounded', () => {
  const q = new SpillQueue();
  const to1 = packPeer('127.0.0.1', 1).bytes;
  const to2 = packPeer('127.0.0.1', 2).bytes;
  for (let i = 0; i < 10; i++) q.push(new Uint8Array([i]), i < 6 ? to1 : to2);
  const calls: Array<{ first: number; count: number; port: number; bytes: number[] }> = [];
  let budget = 4; // the socket takes 4, then is full
  const send = (mem: Uint8Array, lens: Uint32Array, first: number, count: number, to: Uint8Array | null) => {
    const take = Math.min(count, budget);
    budget -= take;
    calls.push({ first, count, port: to![2]!, bytes: Array.from({ length: take }, (_, k) => mem[(first + k) * DATAGRAM_STRIDE]!) });
    void lens;
    return take;
  };
  assert.equal(q.flush(send), false, 'not all taken');
  assert.equal(q.size, 6);
  budget = 100;
  assert.equal(q.flush(send), true);
  assert.deepEqual(calls.map((c) => c.bytes).flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'in order');
  assert.deepEqual(calls.map((c) => c.port), [1, 1, 2], 'one destination per call');
  for (let i = 0; i < 5000; i++) q.push(new Uint8Array([1]), undefined);
  assert.equal(q.size, 4096, 'bounded');
  assert.equal(q.drops, 5000 - 4096, 'the rest counted');
});

test('KCPTUNB_UDP=dgram selects the fallback and says why, once', () => {
  const script = `
    import { udpImplementation, openUdpEndpoint } from '@kcptunb/udp';
    import { loadKernels } from '@kcptunb/wasm';
    const lines = [];
    const o = { kernels: loadKernels(), family: 4, sockBuf: 65536, dscp: 0, log: (l) => lines.push(l), bindAddress: '127.0.0.1', bindPort: 0, onReceive: () => {} };
    const a = await openUdpEndpoint(o); const b = await openUdpEndpoint(o);
    console.log(JSON.stringify({ impl: udpImplementation(), kinds: [a.kind, b.kind], lines }));
    a.close(); b.close();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, KCPTUNB_UDP: 'dgram' }, encoding: 'utf8', cwd: new URL('.', import.meta.url).pathname, timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { impl: { kind: string; reason: string }; kinds: string[]; lines: string[] };
  assert.deepEqual(out.impl, { kind: 'dgram', reason: 'KCPTUNB_UDP=dgram' });
  assert.deepEqual(out.kinds, ['dgram', 'dgram']);
  assert.deepEqual(out.lines, ['udp: node:dgram (KCPTUNB_UDP=dgram)'], 'one log line');
});
