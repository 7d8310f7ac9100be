/**
 * The UDP impairment relay (packages/testkit/src/udpRelay.ts) does what it claims, on
 * loopback with plain UDP sockets: forwarding both ways with address learning,
 * loss rate, delay, jitter → reordering, duplication, rate limit, and a clean
 * close. Every test is bounded (node:test timeout + deadlines inside).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { UdpRelay, type UdpRelayOptions } from '@kcptunb/testkit';

const BUF = 4 * 1024 * 1024;

interface Arrival {
  seq: number;
  at: number;
  port: number;
}

/** A UDP socket on 127.0.0.1 that records every datagram (first 4 bytes = sequence number). */
async function endpoint(echo = false): Promise<{ socket: Socket; port: number; got: Arrival[]; close(): Promise<void> }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: BUF, sendBufferSize: BUF });
  const got: Arrival[] = [];
  socket.on('message', (msg, rinfo) => {
    got.push({ seq: msg.readUInt32BE(0), at: performance.now(), port: rinfo.port });
    if (echo) socket.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, got, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

function datagram(seq: number, size = 64): Buffer {
  const b = Buffer.alloc(size, seq & 0xff);
  b.writeUInt32BE(seq, 0);
  return b;
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Send `count` datagrams, `burst` per event-loop turn (loopback buffers stay far from full). */
async function sendMany(sock: Socket, port: number, count: number, burst = 50, size = 64): Promise<void> {
  for (let i = 0; i < count; i++) {
    sock.send(datagram(i, size), port, '127.0.0.1');
    if (i % burst === burst - 1) await tick();
  }
}

/** Poll until `cond()` or the deadline; returns whether it held (never hangs). */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** Relay + server (+ echo) + one client, all on loopback; `done()` closes all of it. */
async function rig(opts: Omit<UdpRelayOptions, 'target'>, echo = false) {
  const server = await endpoint(echo);
  const relay = await UdpRelay.start({ ...opts, target: { port: server.port } });
  const client = await endpoint();
  return {
    server,
    relay,
    client,
    async done() {
      await relay.close();
      await client.close();
      await server.close();
    },
  };
}

/** Binomial tolerance: |got − n·p| ≤ 5σ (σ = √(n·p·(1−p))), plus 2 for tiny p. */
function assertRate(got: number, n: number, p: number, what: string): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(got - n * p) <= 5 * sigma + 2, `${what}: ${got} of ${n}, expected ≈ ${(n * p).toFixed(0)} (±${(5 * sigma).toFixed(0)})`);
}

test('clean relay: forwards both ways in order, learns the client, counts', { timeout: 5000 }, async () => {
  const r = await rig({}, true);
  try {
    await sendMany(r.client.socket, r.relay.port, 200);
    assert.ok(await until(() => r.client.got.length === 200, 3000), `echoes back: ${r.client.got.length}/200`);
    assert.deepEqual(r.client.got.map((a) => a.seq), [...Array(200).keys()]);
    assert.deepEqual(r.server.got.map((a) => a.seq), [...Array(200).keys()]);
    // the server sees the relay's upstream socket, not the client
    assert.notEqual(r.server.got[0]!.port, r.client.port);
    assert.ok(r.server.got.every((a) => a.port === r.server.got[0]!.port));
    const s = r.relay.stats;
    assert.equal(s.clients, 1);
    assert.equal(s.up.received, 200);
    assert.equal(s.up.forwarded, 200);
    assert.equal(s.up.forwardedBytes, 200 * 64);
    assert.equal(s.down.forwarded, 200);
    assert.equal(s.up.dropped + s.up.duplicated + s.up.reordered + s.down.dropped, 0);
  } finally {
    await r.done();
  }
});

test('each client address gets its own upstream socket and its own replies', { timeout: 5000 }, async () => {
  const r = await rig({}, true);
  const other = await endpoint();
  try {
    r.client.socket.send(datagram(1), r.relay.port, '127.0.0.1');
    other.socket.send(datagram(2), r.relay.port, '127.0.0.1');
    assert.ok(await until(() => r.client.got.length === 1 && other.got.length === 1, 2000), 'both clients answered');
    assert.equal(r.client.got[0]!.seq, 1);
    assert.equal(other.got[0]!.seq, 2);
    const ports = new Set(r.server.got.map((a) => a.port));
    assert.equal(ports.size, 2, 'two upstream source ports at the server');
    assert.equal(r.relay.stats.clients, 2);
  } finally {
    await other.close();
    await r.done();
  }
});

test('loss: the drop rate matches each direction, is seeded and reproducible', { timeout: 5000 }, async () => {
  const n = 2000;
  const runs: number[][] = [];
  for (let k = 0; k < 2; k++) {
    const r = await rig({ up: { loss: 0.2 }, down: { loss: 0.3 }, seed: 42 }, true);
    try {
      await sendMany(r.client.socket, r.relay.port, n);
      const ok = await until(() => {
        const s = r.relay.stats;
        return s.up.received === n && r.server.got.length === s.up.forwarded && s.down.received === s.up.forwarded && r.client.got.length === s.down.forwarded;
      }, 3000);
      const s = r.relay.stats;
      assert.ok(ok, `settled: ${JSON.stringify(s)} server ${r.server.got.length} client ${r.client.got.length}`);
      assert.equal(s.up.dropped + s.up.forwarded, n);
      assertRate(s.up.dropped, n, 0.2, 'up drops');
      assertRate(s.down.dropped, s.down.received, 0.3, 'down drops');
      runs.push(r.server.got.map((a) => a.seq));
    } finally {
      await r.done();
    }
  }
  assert.deepEqual(runs[0], runs[1], 'same seed, same datagrams dropped');
});

test('delay: each direction adds its fixed one-way delay', { timeout: 20_000 }, async () => {
  const r = await rig({ up: { delayMs: 40 }, down: { delayMs: 25 } }, true);
  try {
    const rtts: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      r.client.socket.send(datagram(i), r.relay.port, '127.0.0.1');
      assert.ok(await until(() => r.client.got.length === i + 1, 1000), `reply ${i}`);
      rtts.push(r.client.got[i]!.at - t0);
      const oneWay = r.server.got[i]!.at - t0;
      assert.ok(oneWay >= 39, `one-way up ${oneWay.toFixed(1)} ms ≥ 40`);
    }
    // the lower bound is the property; the upper one only catches a delay applied twice (≥ 130 ms),
    // with room for a loaded machine's scheduling
    for (const rtt of rtts) assert.ok(rtt >= 64, `rtt ${rtt.toFixed(1)} ms ≥ 65`);
    const sorted = [...rtts].sort((a, b) => a - b);
    assert.ok(sorted[sorted.length >> 1]! < 125, `median rtt ${sorted[sorted.length >> 1]!.toFixed(1)} ms < 2 × 65 − 5`);
  } finally {
    await r.done();
  }
});

test('jitter reorders (and nothing is lost); no jitter keeps order', { timeout: 5000 }, async () => {
  const n = 300;
  for (const jitterMs of [20, 0]) {
    const r = await rig({ up: { delayMs: 5, jitterMs }, seed: 7 });
    try {
      await sendMany(r.client.socket, r.relay.port, n, 10);
      assert.ok(await until(() => r.server.got.length === n, 3000), `all arrive: ${r.server.got.length}/${n}`);
      const seqs = r.server.got.map((a) => a.seq);
      assert.deepEqual([...seqs].sort((a, b) => a - b), [...Array(n).keys()], 'same set, no loss, no copies');
      let overtaken = 0;
      let max = -1;
      for (const s of seqs) {
        if (s < max) overtaken++;
        else max = s;
      }
      assert.equal(r.relay.stats.up.reordered, overtaken, 'relay counts what the receiver sees');
      if (jitterMs > 0) assert.ok(overtaken > n / 10, `reordered ${overtaken} of ${n}`);
      else assert.equal(overtaken, 0);
    } finally {
      await r.done();
    }
  }
});

test('duplication: the copy rate matches, every datagram arrives once or twice', { timeout: 5000 }, async () => {
  const n = 2000;
  const r = await rig({ up: { duplicate: 0.25 }, seed: 3 });
  try {
    await sendMany(r.client.socket, r.relay.port, n);
    const s0 = () => r.relay.stats.up;
    assert.ok(await until(() => s0().received === n && r.server.got.length === n + s0().duplicated, 3000), `settled: ${r.server.got.length}`);
    const s = s0();
    assertRate(s.duplicated, n, 0.25, 'duplicates');
    const count = new Map<number, number>();
    for (const a of r.server.got) count.set(a.seq, (count.get(a.seq) ?? 0) + 1);
    assert.equal(count.size, n);
    assert.equal([...count.values()].filter((c) => c === 2).length, s.duplicated);
    assert.ok([...count.values()].every((c) => c === 1 || c === 2));
  } finally {
    await r.done();
  }
});

test('rate limit: serialises at the configured rate, drop-tail beyond the queue', { timeout: 5000 }, async () => {
  // 100 × 1000 B at 500 kB/s = 200 ms on the wire; queue holds all of it
  let r = await rig({ up: { rateBytesPerSec: 500_000, queueBytes: 200_000 } });
  try {
    const t0 = performance.now();
    await sendMany(r.client.socket, r.relay.port, 100, 100, 1000);
    assert.ok(await until(() => r.server.got.length === 100, 3000), `all arrive: ${r.server.got.length}`);
    const span = r.server.got[99]!.at - t0;
    assert.ok(span >= 190 && span < 600, `100 kB at 500 kB/s took ${span.toFixed(0)} ms`);
    assert.equal(r.relay.stats.up.queueDrops, 0);
  } finally {
    await r.done();
  }
  // a 10 kB queue: a burst of 100 kB keeps ~10–11 datagrams
  r = await rig({ up: { rateBytesPerSec: 500_000, queueBytes: 10_000 } });
  try {
    await sendMany(r.client.socket, r.relay.port, 100, 100, 1000);
    await until(() => r.relay.stats.up.received === 100 && r.relay.stats.queued === 0, 2000);
    const s = r.relay.stats.up;
    assert.equal(s.forwarded + s.queueDrops, 100);
    assert.ok(s.queueDrops >= 80, `queue drops ${s.queueDrops}`);
    assert.ok(await until(() => r.server.got.length === s.forwarded, 1000));
  } finally {
    await r.done();
  }
});

test('close() releases every socket and timer, drops what was queued', { timeout: 5000 }, async () => {
  const count = (kind: string) => process.getActiveResourcesInfo().filter((k) => k === kind).length;
  const server = await endpoint();
  const client = await endpoint();
  await sleep(10); // sockets closed by earlier tests leave libuv's close phase
  const udpBefore = count('UDPWrap');
  const timersBefore = count('Timeout');
  const relay = await UdpRelay.start({ target: { port: server.port }, up: { delayMs: 1000 } });
  try {
    await sendMany(client.socket, relay.port, 20);
    assert.ok(await until(() => relay.stats.up.received === 20, 1000));
    assert.equal(relay.stats.queued, 20);
    assert.ok(count('UDPWrap') >= udpBefore + 2, 'listener + upstream socket open');
    await relay.close();
    await relay.close(); // idempotent
    assert.equal(count('UDPWrap'), udpBefore, 'no relay socket left');
    assert.equal(count('Timeout'), timersBefore, 'no relay timer left');
    assert.equal(relay.stats.queued, 0);
    await sleep(50);
    assert.equal(server.got.length, 0, 'queued datagrams were dropped, not flushed');
  } finally {
    await relay.close();
    await client.close();
    await server.close();
  }
});
