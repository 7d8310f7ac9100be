import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CMD_ACK,
  CMD_EMP,
  CMD_FIN,
  CMD_FUL,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  DEFAULT_SMUX_CONFIG,
  decodeHeader,
  encodeFrame,
  encodeHeader,
  FrameDecoder,
  FrameTooLargeError,
  InvalidSmuxConfigError,
  InvalidVersionError,
  KeepaliveTimeoutError,
  SessionClosedError,
  SmuxProtocolError,
  SmuxSession,
  StreamIdsExhaustedError,
  UnknownCommandError,
  verifySmuxConfig,
  type SmuxConfig,
  type SmuxError,
  type SmuxStream,
} from '@kcptunb/smux';
import { Rng } from '../support/random.js';

// ---------------------------------------------------------------------------
// helpers

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');
const bytes = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

interface Frame {
  ver: number;
  cmd: number;
  sid: number;
  payload: Uint8Array;
}

/** Naive reference decoder (the oracle): the whole byte stream at once. */
function naiveDecode(all: Uint8Array): { frames: Frame[]; rest: number } {
  const frames: Frame[] = [];
  let off = 0;
  while (all.length - off >= 8) {
    const h = decodeHeader(all, off);
    if (all.length - off - 8 < h.length) break;
    frames.push({ ver: h.ver, cmd: h.cmd, sid: h.sid, payload: all.slice(off + 8, off + 8 + h.length) });
    off += 8 + h.length;
  }
  return { frames, rest: all.length - off };
}

/** Frames in one complete output (no cut frame expected). */
function framesOf(out: Uint8Array | null): Frame[] {
  if (!out) return [];
  const { frames, rest } = naiveDecode(out);
  assert.equal(rest, 0, 'output ends on a frame boundary');
  return frames;
}

/** A decoder that records every frame of a byte stream cut anywhere. */
class Tap {
  readonly frames: Frame[] = [];
  private readonly decoder = new FrameDecoder();
  feed(b: Uint8Array): void {
    const err = this.decoder.push(b, (cmd, sid, payload) => this.frames.push({ ver: 1, cmd, sid, payload }));
    assert.equal(err, null);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Deterministic test data: byte k of stream i in direction dir. */
function patternByte(i: number, k: number, dir: number): number {
  return (i * 131 + k * 7 + (k >>> 8) * 3 + dir * 17) & 255;
}
function pattern(i: number, start: number, n: number, dir: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = patternByte(i, start + k, dir);
  return out;
}

const compat: Partial<SmuxConfig> = { enableStreamBuffer: false };

/**
 * A session plus the application around it: it answers events the way the
 * data-plane shell will (accept, read until null, EOF closes).
 */
class App {
  readonly accepted: SmuxStream[] = [];
  readonly received = new Map<number, Uint8Array[]>();
  readonly eof = new Set<number>();
  closeEvent: { error: SmuxError | null } | null = null;
  /** Streams whose reads are held back (slow reader). */
  readonly stalled = new Set<number>();
  onReceive: ((stream: SmuxStream, chunk: Uint8Array) => void) | null = null;
  onAccept: ((stream: SmuxStream) => void) | null = null;
  onWritable: ((stream: SmuxStream) => void) | null = null;

  constructor(readonly session: SmuxSession) {}

  /** The `index`-th stream the peer opened (fails the test if there is none). */
  acceptedStream(index = 0): SmuxStream {
    const stream = this.accepted[index];
    assert.ok(stream, `no accepted stream #${index}`);
    return stream;
  }

  process(now: number): void {
    for (;;) {
      const events = this.session.takeEvents();
      if (events.length === 0) return;
      for (const ev of events) {
        switch (ev.type) {
          case 'stream-accepted':
            this.accepted.push(ev.stream);
            this.onAccept?.(ev.stream);
            break;
          case 'stream-readable':
            this.drain(ev.stream, now);
            break;
          case 'stream-writable':
            this.onWritable?.(ev.stream);
            break;
          case 'session-closed':
            this.closeEvent = { error: ev.error };
            break;
        }
      }
    }
  }

  drain(stream: SmuxStream, now: number): void {
    if (this.stalled.has(stream.id)) return;
    for (let chunk = stream.read(Infinity, now); chunk; chunk = stream.read(Infinity, now)) {
      let list = this.received.get(stream.id);
      if (!list) this.received.set(stream.id, (list = []));
      list.push(chunk);
      this.onReceive?.(stream, chunk);
    }
    if (stream.closed) this.eof.add(stream.id); // read() found EOF and closed it
  }

  receivedBytes(id: number): number {
    return (this.received.get(id) ?? []).reduce((n, c) => n + c.length, 0);
  }
}

/** Move bytes both ways until quiet. `limit` caps each takeOutput (a link of that many bytes per turn). */
/** Exchange output between `a` and `b` for at most `maxTurns` turns; returns the turns taken and whether it went quiet. */
function exchange(a: App, b: App, now: number, limit: number, maxTurns: number): { turns: number; quiet: boolean } {
  let turns = 0;
  let moved = true;
  a.process(now);
  b.process(now);
  while (moved && turns < maxTurns) {
    moved = false;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const out = x.session.takeOutput(limit);
      if (out) {
        y.session.input(out, now);
        moved = true;
      }
      y.process(now);
      x.process(now);
    }
    turns++;
  }
  return { turns, quiet: !moved };
}

/** Exchange until neither side has anything to send; a pair still talking after `maxTurns` turns fails the test. */
function pump(a: App, b: App, now: number, limit = Infinity, maxTurns = 1_000_000): number {
  const r = exchange(a, b, now, limit, maxTurns);
  if (!r.quiet) throw new Error(`pump: still moving data after ${maxTurns} turns (a livelock, or a transfer larger than the bound)`);
  return r.turns;
}

/** Exactly up to `turns` turns, quiet or not: a slow link that moves a little per step. */
function pumpTurns(a: App, b: App, now: number, limit: number, turns: number): void {
  exchange(a, b, now, limit, turns);
}

function pair(config: Partial<SmuxConfig> = {}, now = 0, serverConfig: Partial<SmuxConfig> = config) {
  const client = new App(new SmuxSession({ role: 'client', now, config }));
  const server = new App(new SmuxSession({ role: 'server', now, config: serverConfig }));
  return { client, server };
}

/**
 * Two sessions over a reliable link with a one-way delay, on a virtual clock
 * that jumps to the next event (delivery or keepalive wake-up).
 */
class DelayedLink {
  private readonly inFlight: { at: number; to: 0 | 1; bytes: Uint8Array }[] = [];
  cut = false;
  constructor(readonly apps: [App, App], readonly delayMs: number) {}

  private collect(now: number): void {
    for (const side of [0, 1] as const) {
      const app = this.apps[side];
      app.process(now);
      for (let out = app.session.takeOutput(); out; out = app.session.takeOutput()) {
        if (!this.cut) this.inFlight.push({ at: now + this.delayMs, to: side === 0 ? 1 : 0, bytes: out });
      }
    }
  }

  /** Run until `until` (virtual ms); returns the number of events. */
  run(from: number, until: number): number {
    let now = from;
    let steps = 0;
    this.collect(now);
    for (;;) {
      let next = Math.min(this.apps[0].session.nextWakeAt, this.apps[1].session.nextWakeAt);
      for (const f of this.inFlight) next = Math.min(next, f.at);
      if (next > until) break;
      now = Math.max(now, next);
      for (let i = 0; i < this.inFlight.length; ) {
        const f = this.inFlight[i]!; // i < length
        if (f.at <= now) {
          this.inFlight.splice(i, 1);
          this.apps[f.to].session.input(f.bytes, now);
        } else i++;
      }
      for (const app of this.apps) if (app.session.nextWakeAt <= now) app.session.tick(now);
      this.collect(now);
      steps++;
      assert.ok(steps < 1_000_000, 'simulation bounded');
    }
    return steps;
  }
}

// ---------------------------------------------------------------------------
// codec

test('smux: known encodings (spec A.6)', () => {
  // kcptunB first frame of a session: NOP sid 1 (both modes ping at creation)
  const kcptunb = new SmuxSession({ role: 'client', now: 0 });
  assert.equal(hex(kcptunb.takeOutput()), '0103000001000000');
  const plain = new SmuxSession({ role: 'client', now: 0, config: compat });
  assert.equal(hex(plain.takeOutput()), '0103000001000000');

  // stock NOP in, kcptunB ACK reply out
  const server = new SmuxSession({ role: 'server', now: 0 });
  server.takeOutput();
  server.input(bytes('01 03 00 00 00 00 00 00'), 1);
  assert.equal(hex(server.takeOutput()), '0104000000000000');
  // compat mode never answers
  plain.input(bytes('01 03 00 00 00 00 00 00'), 1);
  assert.equal(plain.takeOutput(), null);

  // SYN for stream 3, then 5; PSH with length before sid
  const s3 = kcptunb.openStream();
  assert.equal(s3.id, 3);
  assert.equal(hex(kcptunb.takeOutput()), '0100000003000000');
  assert.equal(kcptunb.openStream().id, 5);
  s3.write(new TextEncoder().encode('hello'));
  assert.equal(hex(kcptunb.takeOutput()), '0100000005000000' + '0102050003000000' + Buffer.from('hello').toString('hex'));
  s3.close();
  assert.equal(hex(kcptunb.takeOutput()), '0101000003000000');
  // server streams are even
  assert.equal(server.openStream().id, 2);

  assert.equal(hex(encodeFrame(CMD_PSH, 0x04030201, new Uint8Array([9]))), '0102010001020304' + '09');
});

test('smux: header encode/decode round-trip', () => {
  fc.assert(
    fc.property(fc.nat(255), fc.nat(255), fc.nat(65535), fc.nat(0xffffffff), (ver, cmd, length, sid) => {
      const b = new Uint8Array(8);
      encodeHeader(b, 0, cmd, length, sid, ver);
      assert.deepEqual(decodeHeader(b), { ver, cmd, length, sid });
      assert.equal(b[2]! | (b[3]! << 8), length); // length before sid
    }),
  );
});

test('smux: incremental decoder matches the naive oracle at any split', () => {
  const frameArb = fc.record({
    cmd: fc.nat(6),
    sid: fc.nat(0xffffffff),
    payload: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 30 }), fc.array(fc.nat(400), { maxLength: 20 }), (frames, cuts) => {
      const stream = concat(frames.map((f) => encodeFrame(f.cmd, f.sid, f.payload)));
      const expected = naiveDecode(stream).frames;
      const got: Frame[] = [];
      const d = new FrameDecoder();
      let pos = 0;
      for (const c of cuts) {
        const end = Math.min(stream.length, pos + c);
        assert.equal(
          d.push(stream.subarray(pos, end), (cmd, sid, payload) => got.push({ ver: 1, cmd, sid, payload: Uint8Array.from(payload) })),
          null,
        );
        pos = end;
      }
      d.push(stream.subarray(pos), (cmd, sid, payload) => got.push({ ver: 1, cmd, sid, payload: Uint8Array.from(payload) }));
      assert.deepEqual(got, expected);
      assert.equal(d.buffered, 0);
    }),
    { numRuns: 300 },
  );
  // one byte at a time, including a maximum-length payload
  const big = encodeFrame(CMD_PSH, 7, new Uint8Array(65535).fill(0xab));
  const d = new FrameDecoder();
  let seen: Uint8Array | null = null;
  for (let i = 0; i < big.length; i++) d.push(big.subarray(i, i + 1), (_c, _s, p) => (seen = p));
  assert.equal(seen!.length, 65535);
});

test('smux: config defaults and verification name the field', () => {
  const c = verifySmuxConfig();
  assert.deepEqual(
    { ...c },
    {
      dialect: 'kcptunb',
      version: 1,
      adoptPeerVersion: false,
      keepAliveIntervalMs: 10000,
      keepAliveTimeoutMs: 75000,
      maxFrameSize: 32767,
      maxReceiveBuffer: 4194304,
      enableStreamBuffer: true,
      maxStreamBuffer: 262144,
      streamWindow: 2097152,
      boostTimeoutMs: 10000,
      writeHighWaterMark: 262144,
    },
  );
  const bad: [Partial<SmuxConfig>, string][] = [
    [{ version: 2 }, 'version'],
    [{ maxFrameSize: 0 }, 'maxFrameSize'],
    [{ maxFrameSize: 65536 }, 'maxFrameSize'],
    [{ keepAliveIntervalMs: 0 }, 'keepAliveIntervalMs'],
    [{ keepAliveTimeoutMs: 1.5 }, 'keepAliveTimeoutMs'],
    [{ maxReceiveBuffer: -1 }, 'maxReceiveBuffer'],
    [{ maxStreamBuffer: 0 }, 'maxStreamBuffer'],
    [{ boostTimeoutMs: -1 }, 'boostTimeoutMs'],
    [{ enableStreamBuffer: 1 as unknown as boolean }, 'enableStreamBuffer'],
  ];
  for (const [partial, field] of bad) {
    assert.throws(
      () => new SmuxSession({ role: 'client', now: 0, config: partial }),
      (e: unknown) => e instanceof InvalidSmuxConfigError && e.field === field && e.code === 'ERR_SMUX_CONFIG',
    );
  }
  assert.equal(verifySmuxConfig({ maxFrameSize: 65535 }).maxFrameSize, 65535);
  assert.equal(DEFAULT_SMUX_CONFIG.maxFrameSize, 32767);
});

// ---------------------------------------------------------------------------
// streams

test('smux: write splits into PSH frames of at most maxFrameSize; cut output re-joins', () => {
  const s = new SmuxSession({ role: 'client', now: 0, config: { maxFrameSize: 32767 } });
  s.takeOutput();
  const st = s.openStream();
  const data = pattern(1, 0, 100_000, 0);
  st.write(data);
  const parts: Uint8Array[] = [];
  let nops = 0;
  for (let out = s.takeOutput(1000); out; out = s.takeOutput(1000)) {
    assert.ok(out.length <= 1000);
    parts.push(out);
    // a NOP arriving while a frame is half sent: its ACK must wait for the frame's end
    if (parts.length % 7 === 0) s.input(encodeFrame(CMD_NOP, 100 + nops++), 0);
  }
  const frames = framesOf(concat(parts));
  assert.deepEqual(
    frames.filter((f) => f.cmd !== CMD_ACK).map((f) => [f.cmd, f.payload.length]),
    [
      [CMD_SYN, 0],
      [CMD_PSH, 32767],
      [CMD_PSH, 32767],
      [CMD_PSH, 32767],
      [CMD_PSH, 100_000 - 3 * 32767],
    ],
  );
  assert.deepEqual(
    frames.filter((f) => f.cmd === CMD_ACK).map((f) => f.sid),
    Array.from({ length: nops }, (_, i) => 100 + i),
  );
  assert.deepEqual(concat(frames.filter((f) => f.cmd === CMD_PSH).map((f) => f.payload)), data);
  assert.equal(s.bytesSent, 8 + concat(parts).length);
  assert.equal(s.framesSent, 1 + frames.length);
});

test('smux: control frames go first; streams share the link round-robin', () => {
  const { client, server } = pair();
  pump(client, server, 0);
  const a = client.session.openStream();
  const b = client.session.openStream();
  a.write(new Uint8Array(5 * 1000));
  b.write(new Uint8Array(5 * 1000));
  // a NOP from the peer: its ACK must precede all queued data
  client.session.input(encodeFrame(CMD_NOP, 42), 0);
  const frames = framesOf(client.session.takeOutput());
  assert.deepEqual([frames[0]?.cmd, frames[0]?.sid], [CMD_ACK, 42]);
  const order = frames.slice(1).map((f) => `${f.cmd}:${f.sid}`);
  assert.deepEqual(order, ['0:3', '0:5', '2:3', '2:5']);

  const s = new SmuxSession({ role: 'client', now: 0, config: { maxFrameSize: 1000 } });
  s.takeOutput();
  const x = s.openStream();
  const y = s.openStream();
  x.write(new Uint8Array(4000));
  y.write(new Uint8Array(2000));
  const seq = framesOf(s.takeOutput()).map((f) => f.sid);
  assert.deepEqual(seq, [3, 5, 3, 5, 3, 5, 3, 3]);
});

test('smux: 1,000 concurrent streams, interleaved writes both ways, every byte verified', () => {
  const rng = new Rng(0x5eed);
  const N = 1000;
  const { client, server } = pair({ maxFrameSize: 1500 });
  const up = Array.from({ length: N }, () => rng.int(12_000));
  const down = Array.from({ length: N }, () => rng.int(12_000));
  const idx = (sid: number) => (sid - 3) / 2;
  const verified: [number[], number[]] = [new Array<number>(N).fill(0), new Array<number>(N).fill(0)];
  const check = (dir: 0 | 1) => (stream: SmuxStream, chunk: Uint8Array) => {
    const i = idx(stream.id);
    const off = verified[dir][i];
    assert.ok(off !== undefined, `stream ${stream.id} is not one of the ${N}`);
    for (let k = 0; k < chunk.length; k++) {
      if (chunk[k] !== patternByte(i, off + k, dir)) assert.fail(`stream ${stream.id} dir ${dir} byte ${off + k}`);
    }
    verified[dir][i] = off + chunk.length;
  };
  server.onReceive = check(0);
  client.onReceive = check(1);

  // server side writes: queued per accepted stream, written interleaved
  const serverPlans: { stream: SmuxStream; sent: number; total: number }[] = [];
  server.onAccept = (stream) => serverPlans.push({ stream, sent: 0, total: down[idx(stream.id)] ?? 0 });

  const clientPlans = up.map((total, index) => ({ index, stream: client.session.openStream(), sent: 0, total }));
  let pendingClient = clientPlans.filter((p) => p.total > 0);
  let step = 0;
  while (pendingClient.length > 0 || serverPlans.some((p) => p.sent < p.total)) {
    // a burst of random writes on random streams, both sides
    for (let w = 0; w < 40 && pendingClient.length > 0; w++) {
      const p = pendingClient[rng.int(pendingClient.length)]!; // rng.int(n) < n
      const n = Math.min(p.total - p.sent, 1 + rng.int(3000));
      p.stream.write(pattern(p.index, p.sent, n, 0));
      p.sent += n;
      if (p.sent === p.total) pendingClient = pendingClient.filter((x) => x !== p);
    }
    for (let w = 0; w < 40; w++) {
      const open = serverPlans.filter((p) => p.sent < p.total);
      if (open.length === 0) break;
      const p = open[rng.int(open.length)]!; // rng.int(n) < n
      const n = Math.min(p.total - p.sent, 1 + rng.int(3000));
      p.stream.write(pattern(idx(p.stream.id), p.sent, n, 1));
      p.sent += n;
    }
    // move a little: a link of 4 KiB per turn, a few turns
    pumpTurns(client, server, step, 4096, 3);
    step++;
  }
  pump(client, server, step, 16384);
  for (let i = 0; i < N; i++) {
    assert.equal(verified[0][i], up[i], `upstream bytes of stream ${3 + 2 * i}`);
    assert.equal(verified[1][i], down[i], `downstream bytes of stream ${3 + 2 * i}`);
  }
  assert.equal(server.accepted.length, N);
  // the client closes every stream: FIN → server reads EOF → server's FIN → all gone
  for (const { stream } of clientPlans) stream.close();
  pump(client, server, step + 1);
  assert.equal(client.session.streamCount, 0);
  assert.equal(server.session.streamCount, 0);
  assert.ok(server.accepted.every((st) => st.closed && st.finSent));
  assert.ok(clientPlans.every(({ stream }) => stream.finSent));
  assert.equal(client.session.bufferedBytes, 0);
  assert.equal(server.session.bufferedBytes, 0);
  assert.equal(client.session.hasOutput || server.session.hasOutput, false);
  assert.equal(client.closeEvent, null);
  assert.equal(server.closeEvent, null);
});

test('smux: close semantics — FIN once after written data; peer FIN delivers data then EOF; late frames dropped', () => {
  const { client, server } = pair();
  pump(client, server, 0);
  const c = client.session.openStream();
  c.write(pattern(0, 0, 70_000, 0));
  c.close();
  c.close(); // idempotent
  assert.equal(c.write(new Uint8Array(10)), false, 'no writes after close');
  const frames = framesOf(client.session.takeOutput());
  assert.deepEqual(
    frames.map((f) => f.cmd),
    [CMD_SYN, CMD_PSH, CMD_PSH, CMD_PSH, CMD_FIN],
  );
  assert.equal(client.session.takeOutput(), null, 'exactly one FIN');

  // the server reads everything, then EOF, and answers with its own FIN
  server.stalled.add(3);
  server.session.input(concat(frames.map((f) => encodeFrame(f.cmd, f.sid, f.payload))), 1);
  server.process(1);
  const s = server.acceptedStream(0);
  assert.equal(s.readableLength, 70_000);
  assert.equal(s.readableEnded, false, 'data still buffered');
  assert.equal(server.session.bufferedBytes, 70_000);
  let got = 0;
  for (let ch = s.read(); ch; ch = s.read()) got += ch.length;
  assert.equal(got, 70_000);
  assert.equal(s.readableEnded, true);
  assert.equal(s.closed, true, 'read() at EOF closes the stream (kcptunB)');
  assert.deepEqual(
    framesOf(server.session.takeOutput()).map((f) => [f.cmd, f.sid]),
    [[CMD_FIN, 3]],
  );
  // frames for the closed sid are discarded, counted
  server.session.input(encodeFrame(CMD_PSH, 3, new Uint8Array(100)), 2);
  assert.equal(server.session.discardedBytes, 100);
  assert.equal(server.session.bufferedBytes, 0);

  // local close drops unread data and returns its budget
  const { client: c2, server: s2 } = pair();
  pump(c2, s2, 0);
  s2.stalled.add(3);
  const st = c2.session.openStream();
  st.write(new Uint8Array(5000));
  pump(c2, s2, 0);
  assert.equal(s2.session.bufferedBytes, 5000);
  s2.acceptedStream(0).close();
  assert.equal(s2.session.bufferedBytes, 0);
  assert.equal(s2.session.streamCount, 0);
});

test('smux: duplicate SYN ignored; unknown-sid frames discarded; go-away when ids are exhausted', () => {
  const s = new SmuxSession({ role: 'server', now: 0 });
  s.input(concat([encodeFrame(CMD_SYN, 3), encodeFrame(CMD_PSH, 3, new Uint8Array([1, 2])), encodeFrame(CMD_SYN, 3)]), 0);
  const ev = s.takeEvents();
  assert.deepEqual(
    ev.map((e) => e.type),
    ['stream-accepted', 'stream-readable'],
  );
  assert.equal(s.streamCount, 1);
  assert.equal(s.getStream(3)!.readableLength, 2, 'a duplicate SYN keeps the existing stream');
  s.input(concat([encodeFrame(CMD_FIN, 99), encodeFrame(CMD_FUL, 99), encodeFrame(CMD_EMP, 99), encodeFrame(CMD_PSH, 99, new Uint8Array(7))]), 0);
  assert.equal(s.discardedBytes, 7);
  assert.equal(s.closed, false);

  const c = new SmuxSession({ role: 'client', now: 0, firstStreamId: 0xfffffffd });
  assert.equal(c.openStream().id, 0xfffffffd);
  assert.equal(c.openStream().id, 0xffffffff);
  assert.equal(c.canOpenStream, false);
  assert.throws(() => c.openStream(), StreamIdsExhaustedError);
  c.close();
  assert.throws(() => c.openStream(), SessionClosedError);
  assert.deepEqual(c.takeEvents(), [{ type: 'session-closed', error: null }]);
});

test('smux: session receive budget — wantsInput false when exhausted, back on read', () => {
  const { client, server } = pair({ maxReceiveBuffer: 10_000 });
  pump(client, server, 0);
  server.stalled.add(3);
  const st = client.session.openStream();
  st.write(new Uint8Array(9_000));
  pump(client, server, 0);
  assert.equal(server.session.wantsInput, true);
  assert.equal(server.session.receiveBudget, 1_000);
  st.write(new Uint8Array(4_000));
  pump(client, server, 0);
  assert.equal(server.session.wantsInput, false, 'budget used up');
  assert.equal(server.session.receiveBudget, -3_000, 'a frame may overshoot');
  const s = server.acceptedStream(0);
  s.read(5_000);
  assert.equal(server.session.wantsInput, true);
});

// ---------------------------------------------------------------------------
// robustness

function fuzzOutcome(stream: Uint8Array, cuts: number[], config: Partial<SmuxConfig>) {
  const s = new SmuxSession({ role: 'server', now: 0, config });
  let pos = 0;
  let now = 0;
  for (const c of [...cuts, stream.length]) {
    const end = Math.min(stream.length, pos + c);
    s.input(stream.subarray(pos, end), now++); // must not throw
    pos = end;
    for (const ev of s.takeEvents()) if (ev.type === 'stream-readable') while (ev.stream.read()) {}
    s.takeOutput();
  }
  if (s.closed) {
    assert.ok(s.error instanceof SmuxProtocolError, `typed protocol error, got ${String(s.error)}`);
  }
  return { closed: s.closed, code: s.error?.code ?? null, frames: s.framesReceived };
}

test('smux: fuzz — random bytes and malformed frames end the session cleanly, never throw', () => {
  const frameArb = fc.record({
    ver: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.nat(255) }),
    cmd: fc.oneof({ weight: 8, arbitrary: fc.nat(6) }, { weight: 1, arbitrary: fc.nat(255) }),
    sid: fc.oneof(fc.constantFrom(0, 1, 2, 3, 5), fc.nat(0xffffffff)),
    lengthDelta: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }) }),
    payload: fc.uint8Array({ maxLength: 64 }),
  });
  const encode = (f: { ver: number; cmd: number; sid: number; lengthDelta: number; payload: Uint8Array }) => {
    const payload = f.cmd === CMD_PSH ? f.payload : f.payload.subarray(0, f.lengthDelta > 0 ? f.lengthDelta : 0);
    const out = new Uint8Array(8 + payload.length);
    encodeHeader(out, 0, f.cmd, Math.max(0, Math.min(65535, payload.length + (f.cmd === CMD_PSH ? f.lengthDelta : 0))), f.sid, f.ver);
    out.set(payload, 8);
    return out;
  };
  for (const config of [{}, compat]) {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 40 }), fc.array(fc.nat(80), { maxLength: 10 }), (frames, cuts) => {
        const stream = concat(frames.map(encode));
        const whole = fuzzOutcome(stream, [], config);
        const split = fuzzOutcome(stream, cuts, config);
        assert.deepEqual(split, whole, 'the outcome does not depend on how input is split');
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(100), { maxLength: 8 }), (junk, cuts) => {
        fuzzOutcome(junk, cuts, config);
      }),
      { numRuns: 400 },
    );
  }
});

test('smux: each violation has its typed error; other sessions are unaffected', () => {
  const cases: [Uint8Array, Partial<SmuxConfig>, new (...a: never[]) => SmuxProtocolError, string][] = [
    [bytes('02 03 00 00 00 00 00 00'), {}, InvalidVersionError, 'ERR_SMUX_VERSION'],
    [bytes('01 07 00 00 00 00 00 00'), {}, UnknownCommandError, 'ERR_SMUX_UNKNOWN_COMMAND'],
    [bytes('01 07 00 00 00 00 00 00'), compat, UnknownCommandError, 'ERR_SMUX_UNKNOWN_COMMAND'],
    [bytes('01 00 01 00 03 00 00 00 ff'), {}, FrameTooLargeError, 'ERR_SMUX_FRAME_TOO_LARGE'], // SYN with a body
    [bytes('01 03 04 00 00 00 00 00'), compat, FrameTooLargeError, 'ERR_SMUX_FRAME_TOO_LARGE'], // NOP with a body
    [bytes('01 04 08 00 00 00 00 00'), {}, FrameTooLargeError, 'ERR_SMUX_FRAME_TOO_LARGE'], // UPD body to kcptunB mode
    [bytes('01 04 09 00 00 00 00 00'), compat, FrameTooLargeError, 'ERR_SMUX_FRAME_TOO_LARGE'],
    [bytes('01 05 01 00 03 00 00 00 00'), compat, FrameTooLargeError, 'ERR_SMUX_FRAME_TOO_LARGE'],
  ];
  for (const [input, config, cls, code] of cases) {
    const { client, server } = pair(config);
    const victim = new App(new SmuxSession({ role: 'server', now: 0, config }));
    const st = client.session.openStream();
    st.write(new Uint8Array(100));
    pump(client, server, 0);
    victim.session.input(input, 1);
    victim.process(1);
    assert.ok(victim.closeEvent?.error instanceof cls, `${hex(input)} → ${cls.name}`);
    assert.equal(victim.closeEvent!.error!.code, code);
    assert.equal(victim.session.takeOutput(), null);
    assert.equal(victim.session.wantsInput, false);
    victim.session.input(bytes('01 03 00 00 00 00 00 00'), 2); // ignored after death
    // the healthy pair still works
    st.write(new Uint8Array(50));
    pump(client, server, 1);
    assert.equal(server.receivedBytes(3), 150);
    assert.equal(server.session.closed, false);
  }
  // tolerated in compat mode: cmd 4 as a zero-length kcptunB ACK or a stock UPD with its 8-byte body
  const c = new SmuxSession({ role: 'server', now: 0, config: compat });
  c.input(bytes('01 04 00 00 00 00 00 00' + '01 04 08 00 03 00 00 00 0000000000000400' + '01 03 00 00 00 00 00 00'), 0);
  assert.equal(c.closed, false);
  assert.equal(c.framesReceived, 3);
});

test('smux: compat mode never emits cmd >= 4, zero-length control frames, version 1 (property)', () => {
  const action = fc.oneof(
    fc.record({ k: fc.constant('open' as const) }),
    fc.record({ k: fc.constant('write' as const), i: fc.nat(10), n: fc.nat(70_000) }),
    fc.record({ k: fc.constant('close' as const), i: fc.nat(10) }),
    fc.record({ k: fc.constant('read' as const), i: fc.nat(10) }),
    fc.record({ k: fc.constant('tick' as const), dt: fc.nat(30_000) }),
    fc.record({ k: fc.constant('peer' as const), cmd: fc.nat(6), i: fc.nat(10), sid: fc.nat(0xffffffff), n: fc.nat(3000) }),
  );
  fc.assert(
    fc.property(fc.array(action, { maxLength: 60 }), fc.boolean(), (actions, asServer) => {
      let now = 0;
      const s = new SmuxSession({ role: asServer ? 'server' : 'client', now, config: { ...compat, maxFrameSize: 4096 } });
      const streams: SmuxStream[] = [];
      const tap = new Tap();
      const drain = () => {
        for (const ev of s.takeEvents()) if (ev.type === 'stream-accepted') streams.push(ev.stream);
        for (let out = s.takeOutput(1 + (now % 5000)); out; out = s.takeOutput(1 + (now % 5000))) tap.feed(out);
      };
      for (const a of actions) {
        const st = streams.length ? streams[(a as { i?: number }).i! % streams.length] : undefined;
        switch (a.k) {
          case 'open':
            if (s.canOpenStream) streams.push(s.openStream());
            break;
          case 'write':
            st?.write(new Uint8Array(a.n));
            break;
          case 'close':
            st?.close();
            break;
          case 'read':
            st?.read();
            break;
          case 'tick':
            now += a.dt;
            if (a.dt % 3 !== 0) s.input(encodeFrame(CMD_NOP, a.dt), now); // usually a live peer
            s.tick(now);
            break;
          case 'peer': {
            const sid = a.sid % 3 === 0 && st ? st.id : a.sid;
            const body = a.cmd === CMD_PSH ? new Uint8Array(a.n) : a.cmd === CMD_ACK && a.n % 2 ? new Uint8Array(8) : undefined;
            s.input(encodeFrame(a.cmd, sid, body), now);
            break;
          }
        }
        drain();
      }
      assert.ok(s.error === null || s.error instanceof KeepaliveTimeoutError);
      for (const f of tap.frames) {
        assert.ok(f.cmd <= CMD_NOP, `cmd ${f.cmd} sent in compat mode`);
        if (f.cmd !== CMD_PSH) assert.equal(f.payload.length, 0);
        assert.ok(f.cmd !== CMD_PSH || f.payload.length <= 4096);
      }
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------
// keepalive on a virtual clock

test('smux keepalive compat: NOP at start and every W = min(interval, timeout); silent peer dies after one W', () => {
  const s = new SmuxSession({ role: 'client', now: 1000, config: { ...compat, keepAliveIntervalMs: 20_000, keepAliveTimeoutMs: 15_000 } });
  assert.deepEqual(
    framesOf(s.takeOutput()).map((f) => [f.cmd, f.sid]),
    [[CMD_NOP, 1]],
  );
  assert.equal(s.nextWakeAt, 16_000);
  s.input(encodeFrame(CMD_NOP, 0), 5000); // the peer is alive in the first window
  s.tick(15_999);
  assert.equal(s.takeOutput(), null);
  s.tick(16_000);
  assert.deepEqual(
    framesOf(s.takeOutput()).map((f) => [f.cmd, f.sid]),
    [[CMD_NOP, 2]],
  );
  assert.equal(s.nextWakeAt, 31_000);
  s.tick(31_000); // a window without any frame
  assert.equal(s.closed, true);
  assert.ok(s.error instanceof KeepaliveTimeoutError);
  assert.equal(s.nextWakeAt, Infinity);
  const ev = s.takeEvents();
  assert.equal(ev.length, 1);
  assert.equal(ev[0]?.type, 'session-closed');
});

test('smux keepalive compat: live idle pair never closes; a stock-like peer (NOP every 10 s) keeps W = 20 s alive; cut link detected within 2W', () => {
  const { client, server } = pair(compat);
  const link = new DelayedLink([client, server], 30);
  link.run(0, 600_000);
  assert.equal(client.session.closed || server.session.closed, false);

  // stock peer: NOP(sid 0) every 10 s from t = 10 s, never answers
  const s = new SmuxSession({ role: 'server', now: 0, config: { ...compat, keepAliveIntervalMs: 20_000 } });
  for (let t = 0; t <= 600_000; t += 1000) {
    if (t > 0 && t % 10_000 === 0) s.input(bytes('01 03 00 00 00 00 00 00'), t);
    if (s.nextWakeAt <= t) s.tick(t);
  }
  assert.equal(s.closed, false);
  const nops = framesOf(concat([s.takeOutput()!])).filter((f) => f.cmd === CMD_NOP);
  assert.equal(nops.length, 31, 'NOP at 0 then every 20 s');
  assert.deepEqual(
    nops.slice(0, 3).map((f) => f.sid),
    [1, 2, 3],
  );

  const { client: c2, server: s2 } = pair(compat);
  const link2 = new DelayedLink([c2, s2], 30);
  link2.run(0, 100_000);
  link2.cut = true;
  link2.run(100_000, 130_000);
  assert.ok(c2.closeEvent?.error instanceof KeepaliveTimeoutError);
  assert.ok(s2.closeEvent?.error instanceof KeepaliveTimeoutError);
});

test('smux keepalive heartbeat: NOP→ACK measures RTT; live idle pair never closes; dead peer detected; wrong-sid ACK ignored', () => {
  const { client, server } = pair();
  const link = new DelayedLink([client, server], 40);
  link.run(0, 600_000);
  assert.equal(client.session.closed || server.session.closed, false);
  assert.equal(client.session.rttMs, 80);
  assert.equal(server.session.rttMs, 80);

  // alone: ping at 0, no answer, nothing received → dead at keepAliveTimeout
  const s = new SmuxSession({ role: 'client', now: 0, config: { keepAliveTimeoutMs: 30_000 } });
  assert.equal(hex(s.takeOutput()), '0103000001000000');
  assert.equal(s.nextWakeAt, 30_000);
  s.input(encodeFrame(CMD_ACK, 7), 100); // not our ping's sid: ignored (but it is a frame)
  assert.equal(s.rttMs, 500);
  s.tick(30_000);
  assert.equal(s.closed, false, 'a frame arrived during the wait');
  assert.equal(s.nextWakeAt, 40_000, 'ping again after the interval');
  s.tick(40_000);
  assert.equal(hex(s.takeOutput()), '0103000002000000');
  s.input(encodeFrame(CMD_ACK, 2), 40_123);
  assert.equal(s.rttMs, 123);
  assert.equal(s.nextWakeAt, 50_123);
  s.tick(50_123);
  s.tick(80_122);
  assert.equal(s.closed, false);
  s.tick(80_123);
  assert.ok(s.error instanceof KeepaliveTimeoutError);

  // cut link: detected within interval + timeout after the last frame
  const { client: c2, server: s2 } = pair();
  const link2 = new DelayedLink([c2, s2], 40);
  link2.run(0, 100_000);
  link2.cut = true;
  link2.run(100_000, 100_000 + 10_000 + 75_000 + 100);
  assert.ok(c2.closeEvent?.error instanceof KeepaliveTimeoutError);
  assert.ok(s2.closeEvent?.error instanceof KeepaliveTimeoutError);

  // heartbeat toward a compat peer (no ACKs, NOPs every 10 s): stays up, RTT stays 500
  const { client: hb, server: plain } = pair({}, 0, compat);
  const link3 = new DelayedLink([hb, plain], 40);
  link3.run(0, 600_000);
  assert.equal(hb.session.closed || plain.session.closed, false);
  assert.equal(hb.session.rttMs, 500);
});

test('smux keepalive: silence while our own receive budget is exhausted does not kill the session', () => {
  for (const config of [{}, compat]) {
    const s = new App(new SmuxSession({ role: 'server', now: 0, config: { ...config, maxReceiveBuffer: 1000 } }));
    s.stalled.add(3);
    s.session.input(concat([encodeFrame(CMD_SYN, 3), encodeFrame(CMD_PSH, 3, new Uint8Array(1000))]), 0);
    s.process(0);
    assert.equal(s.session.wantsInput, false);
    for (let t = 0; t < 300_000; t += 500) if (s.session.nextWakeAt <= t) s.session.tick(t);
    assert.equal(s.session.closed, false);
    s.acceptedStream(0).read();
    assert.equal(s.session.wantsInput, true);
    for (let t = 300_000; t < 500_000 && !s.session.closed; t += 500) if (s.session.nextWakeAt <= t) s.session.tick(t);
    assert.ok(s.session.error instanceof KeepaliveTimeoutError);
  }
});

// ---------------------------------------------------------------------------
// FUL / EMP

test('smux FUL/EMP: a slow reader pauses only its own stream; the others keep flowing', () => {
  // boost 0 = what kcptunB effectively runs with (docs/protocol.md §4.6.5)
  const { client, server } = pair({ boostTimeoutMs: 0 });
  const TOTAL = 2_000_000;
  const slow = client.session.openStream();
  const fast = client.session.openStream();
  const other = client.session.openStream();
  for (const st of [slow, fast, other]) {
    for (let off = 0; off < TOTAL; off += 65_536) st.write(pattern(st.id, off, Math.min(65_536, TOTAL - off), 0));
  }
  server.stalled.add(slow.id);
  const serverCtl = new Tap();
  // a link of 32 KiB per 10 ms each way; the way back takes one more step (RTT 20 ms)
  let now = 0;
  let down: Uint8Array | null = null;
  const step = () => {
    now += 10;
    if (down) client.session.input(down, now);
    client.process(now);
    const up = client.session.takeOutput(32_768);
    if (up) server.session.input(up, now);
    server.process(now);
    down = server.session.takeOutput(32_768);
    if (down) serverCtl.feed(down);
  };
  for (let i = 0; i < 400; i++) step();
  assert.equal(server.receivedBytes(fast.id), TOTAL, 'fast stream fully delivered');
  assert.equal(server.receivedBytes(other.id), TOTAL);
  const slowStream = server.accepted.find((s) => s.id === slow.id)!;
  assert.ok(slow.peerPaused, 'the sender saw FUL');
  assert.ok(slowStream.readableLength > 262_144, 'paused after the hard limit');
  assert.ok(slowStream.readableLength < 262_144 + 2 * 65_536 + 32_768, `bounded: ${slowStream.readableLength}`);
  assert.ok(slow.pendingSendBytes > 0, 'the rest waits at the sender');
  const ctl = () => serverCtl.frames.filter((f) => f.cmd === CMD_FUL || f.cmd === CMD_EMP).map((f) => `${f.cmd}:${f.sid}`);
  assert.deepEqual(ctl(), [`${CMD_FUL}:${slow.id}`], 'readers that keep up are never paused');
  assert.equal(client.session.rttMs, 20);

  // the reader wakes up: EMP, the rest flows, every byte in order
  server.stalled.delete(slow.id);
  let checked = 0;
  server.onReceive = (st, chunk) => {
    if (st.id !== slow.id) return;
    checked += chunk.length;
  };
  server.drain(slowStream, now);
  for (let i = 0; i < 400 && server.receivedBytes(slow.id) < TOTAL; i++) step();
  assert.equal(server.receivedBytes(slow.id), TOTAL);
  assert.deepEqual(concat(server.received.get(slow.id)!), pattern(slow.id, 0, TOTAL, 0));
  assert.ok(checked > 0);
  const seq = ctl().filter((x) => x.endsWith(`:${slow.id}`));
  assert.ok(seq.length >= 2);
  seq.forEach((x, i) => assert.equal(x, `${i % 2 === 0 ? CMD_FUL : CMD_EMP}:${slow.id}`, 'FUL/EMP alternate, FUL first'));
  assert.equal(slow.peerPaused, false);
});

test('smux FUL/EMP: paused is checked when a write starts; close drops writes not yet started', () => {
  const s = new SmuxSession({ role: 'client', now: 0, config: { maxFrameSize: 100 } });
  s.takeOutput();
  const st = s.openStream();
  st.write(new Uint8Array(250)); // write A
  st.write(new Uint8Array(50)); // write B
  const first = framesOf(s.takeOutput(8 + 8 + 100)); // SYN + first frame of A
  assert.deepEqual(
    first.map((f) => f.cmd),
    [CMD_SYN, CMD_PSH],
  );
  s.input(encodeFrame(CMD_FUL, st.id), 1);
  assert.equal(st.peerPaused, true);
  // A has started: its remaining 150 bytes go; B waits
  assert.deepEqual(
    framesOf(s.takeOutput()).map((f) => f.payload.length),
    [100, 50],
  );
  assert.equal(s.takeOutput(), null);
  assert.equal(st.pendingSendBytes, 50);
  s.input(encodeFrame(CMD_EMP, st.id), 2);
  assert.deepEqual(
    framesOf(s.takeOutput()).map((f) => f.payload.length),
    [50],
  );
  // paused again, a write queued, then close: the unstarted write is dropped, FIN goes at once
  s.input(encodeFrame(CMD_FUL, st.id), 3);
  st.write(new Uint8Array(30));
  st.close();
  assert.deepEqual(
    framesOf(s.takeOutput()).map((f) => f.cmd),
    [CMD_FIN],
  );
});

test('smux FUL/EMP: boost timeout delays FUL while used exceeds the guess; writeHighWaterMark and stream-writable', () => {
  // receiver heuristic directly through a session fed by hand
  const s = new App(new SmuxSession({ role: 'server', now: 0, config: { maxStreamBuffer: 10_000, boostTimeoutMs: 1000 } }));
  s.session.takeOutput();
  s.stalled.add(3);
  s.session.input(encodeFrame(CMD_SYN, 3), 0);
  s.process(0);
  const st = s.acceptedStream(0);
  // guess starts at maxStreamBuffer: 8 000 bytes stay under it
  s.session.input(encodeFrame(CMD_PSH, 3, new Uint8Array(8000)), 10);
  assert.equal(s.session.takeOutput(), null);
  // a fast read drains 1 000 immediately → needed is large, guess adapts on the next arrival
  st.read(7000, 10);
  s.session.input(encodeFrame(CMD_PSH, 3, new Uint8Array(5000)), 500);
  assert.equal(s.session.takeOutput(), null, 'within the guess or the boost');
  // past the hard limit → FUL
  s.session.input(encodeFrame(CMD_PSH, 3, new Uint8Array(6000)), 600);
  assert.deepEqual(
    framesOf(s.session.takeOutput()).map((f) => [f.cmd, f.sid]),
    [[CMD_FUL, 3]],
  );
  // reading everything → EMP (through the control queue)
  while (st.read(Infinity, 700)) {}
  assert.deepEqual(
    framesOf(s.session.takeOutput()).map((f) => [f.cmd, f.sid]),
    [[CMD_EMP, 3]],
  );

  // sender back-pressure toward the shell
  const c = new App(new SmuxSession({ role: 'client', now: 0, config: { writeHighWaterMark: 1000, maxFrameSize: 100 } }));
  c.session.takeOutput();
  const w = c.session.openStream();
  assert.equal(w.write(new Uint8Array(900)), true);
  assert.equal(w.write(new Uint8Array(200)), false);
  let writable = 0;
  c.onWritable = () => writable++;
  c.session.takeOutput(8 + 5 * 108);
  c.process(0);
  assert.equal(writable, 0);
  c.session.takeOutput(108);
  c.process(0);
  assert.equal(writable, 1, 'drained to half the high-water mark');
});

test('smux: kcptunB peer toward a compat session — ACK/FUL/EMP tolerated both ways', () => {
  const { client, server } = pair({ boostTimeoutMs: 0, maxStreamBuffer: 5000 }, 0, compat);
  const st = client.session.openStream();
  st.write(pattern(0, 0, 20_000, 0));
  pump(client, server, 0);
  assert.equal(server.receivedBytes(3), 20_000);
  // the server (compat) side writes toward a slow kcptunB reader: FUL is honoured
  client.stalled.add(3);
  const sv = server.acceptedStream(0);
  for (let i = 0; i < 10; i++) sv.write(new Uint8Array(2000));
  pump(client, server, 1, 2008);
  assert.equal(sv.peerPaused, true);
  client.stalled.delete(3);
  client.drain(st, 2);
  pump(client, server, 2);
  assert.equal(client.receivedBytes(3), 20_000);
  assert.equal(client.session.closed || server.session.closed, false);
});
