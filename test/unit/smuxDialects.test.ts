/**
 * The stock smux dialect (docs/protocol.md §4.7, §4.8): how each command number is read,
 * the version byte, stock's keepalive rule, and the v2 per-stream window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BadUpdateFrameError,
  CMD_ACK,
  CMD_EMP,
  CMD_FUL,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  CMD_UPD,
  encodeFrame,
  encodeUpdBody,
  FrameDecoder,
  INITIAL_PEER_WINDOW,
  InvalidSmuxConfigError,
  InvalidVersionError,
  KeepaliveTimeoutError,
  SmuxSession,
  UnknownCommandError,
  verifySmuxConfig,
  type SmuxConfig,
} from '@kcptunb/smux';

const stock = (version: 1 | 2, more: Partial<SmuxConfig> = {}): Partial<SmuxConfig> => ({ dialect: 'stock', version, enableStreamBuffer: false, keepAliveIntervalMs: 10_000, keepAliveTimeoutMs: 30_000, ...more });

function framesOf(bytes: Uint8Array | null): Array<{ ver: number; cmd: number; sid: number; payload: Uint8Array }> {
  const out: Array<{ ver: number; cmd: number; sid: number; payload: Uint8Array }> = [];
  if (!bytes) return out;
  let at = 0;
  new FrameDecoder().push(bytes, (cmd, sid, payload) => {
    out.push({ ver: bytes[at]!, cmd, sid, payload });
    at += 8 + payload.length;
  });
  return out;
}

test('config: version 2 needs the stock dialect; the stock dialect has no stream buffer and needs timeout ≥ interval', () => {
  assert.throws(() => verifySmuxConfig({ version: 2 }), InvalidSmuxConfigError);
  assert.throws(() => verifySmuxConfig({ dialect: 'stock', version: 2 }), /enableStreamBuffer/);
  assert.throws(() => verifySmuxConfig(stock(2, { keepAliveTimeoutMs: 5000 })), /keepAliveTimeoutMs/);
  assert.throws(() => verifySmuxConfig(stock(2, { version: 3 })), InvalidSmuxConfigError);
  assert.equal(verifySmuxConfig(stock(2)).streamWindow, 2_097_152);
});

test('each dialect reads every command number its own way (docs/protocol.md §4.8 table)', () => {
  // cmd 4: kcptunB heartbeat ACK (zero-length) vs stock UPD (exactly 8 bytes)
  const kb = new SmuxSession({ role: 'server', now: 0 });
  kb.input(encodeFrame(CMD_ACK, 1), 1);
  assert.equal(kb.error, null, 'kcptunB dialect: zero-length cmd 4 is an ACK');
  for (const v of [1, 2] as const) {
    const s = new SmuxSession({ role: 'server', now: 0, config: stock(v) });
    s.input(encodeFrame(CMD_UPD, 3, encodeUpdBody(1, 2), v), 1);
    assert.equal(s.error, null, `stock v${v}: an 8-byte UPD is fine`);
    const short = new SmuxSession({ role: 'server', now: 0, config: stock(v) });
    short.input(encodeFrame(CMD_UPD, 3, new Uint8Array(0), v), 1);
    assert.ok(short.error instanceof BadUpdateFrameError, `stock v${v}: a zero-length cmd 4 (a kcptunB ACK) is a protocol error`);
    for (const cmd of [CMD_FUL, CMD_EMP, 7]) {
      const s5 = new SmuxSession({ role: 'server', now: 0, config: stock(v) });
      s5.input(encodeFrame(cmd, 3, new Uint8Array(0), v), 1);
      assert.ok(s5.error instanceof UnknownCommandError, `stock v${v}: cmd ${cmd} is unknown`);
    }
    const wrongVersion = new SmuxSession({ role: 'server', now: 0, config: stock(v) });
    wrongVersion.input(encodeFrame(CMD_NOP, 0, new Uint8Array(0), v === 1 ? 2 : 1), 1);
    assert.ok(wrongVersion.error instanceof InvalidVersionError, `stock v${v}: the other version byte is refused`);
    // NOP gets no reply in the stock dialect
    const nop = new SmuxSession({ role: 'server', now: 0, config: stock(v) });
    nop.input(encodeFrame(CMD_NOP, 0, new Uint8Array(0), v), 1);
    assert.equal(nop.takeOutput(), null, 'no reply to a NOP');
  }
  // kcptunB dialect: FUL/EMP are flow control, cmd 7 unknown
  const kb7 = new SmuxSession({ role: 'server', now: 0 });
  kb7.input(encodeFrame(7, 3), 1);
  assert.ok(kb7.error instanceof UnknownCommandError);
});

test('stock keepalive: NOP(0) each interval from the first interval on; a session dies only after a whole timeout of silence', () => {
  const s = new SmuxSession({ role: 'client', now: 0, config: stock(2) });
  assert.equal(s.takeOutput(), null, 'no NOP at start (stock sends its first after one interval)');
  assert.equal(s.nextWakeAt, 10_000);
  s.tick(10_000);
  assert.deepEqual(framesOf(s.takeOutput()).map((f) => [f.ver, f.cmd, f.sid]), [[2, CMD_NOP, 0]]);
  s.tick(20_000);
  s.takeOutput();
  s.tick(29_999);
  assert.equal(s.closed, false);
  s.tick(30_000);
  assert.ok(s.error instanceof KeepaliveTimeoutError, 'no frame in the first 30 s');
});

test('stock keepalive against a peer pinging every 10 s from its own start, any phase, each NOP delayed up to 3 s: 120 s idle survive (a 10 s window would not)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9_999 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 13, maxLength: 13 }), (phase, delays) => {
      const arrivals = delays.map((d, i) => phase + i * 10_000 + d);
      const s = new SmuxSession({ role: 'client', now: 0, config: stock(1) });
      for (let t = 0; t <= 120_000; t += 250) {
        for (const a of arrivals) if (a >= t && a < t + 250) s.input(encodeFrame(CMD_NOP, 0), t);
        s.tick(t);
        s.takeOutput();
      }
      assert.equal(s.closed, false, `peer phase ${phase} ms, delays ${delays.join(',')}`);
    }),
    { numRuns: 60, seed: 4242 },
  );
});

test('v2 window: the sender stops at the peer window (256 KiB before any UPD) and a UPD releases exactly what it allows', () => {
  const c = new SmuxSession({ role: 'client', now: 0, config: stock(2, { maxFrameSize: 8192 }) });
  const st = c.openStream(0);
  st.write(new Uint8Array(1 << 20));
  const first = framesOf(c.takeOutput());
  assert.equal(first[0]!.cmd, CMD_SYN);
  const sent = first.filter((f) => f.cmd === CMD_PSH).reduce((n, f) => n + f.payload.length, 0);
  assert.equal(sent, INITIAL_PEER_WINDOW);
  assert.equal(c.takeOutput(), null);
  // the peer consumed 100 000 bytes and has a 300 000-byte window: 300 000 − (262 144 − 100 000) more may go
  c.input(encodeFrame(CMD_UPD, st.id, encodeUpdBody(100_000, 300_000), 2), 1);
  const more = framesOf(c.takeOutput()).filter((f) => f.cmd === CMD_PSH).reduce((n, f) => n + f.payload.length, 0);
  assert.equal(more, 300_000 - (INITIAL_PEER_WINDOW - 100_000));
  assert.equal(c.takeOutput(), null);
});

test('v2 window: the receiver sends UPD(consumed, window) after its first read and then every half window read', () => {
  const srv = new SmuxSession({ role: 'server', now: 0, config: stock(2, { streamWindow: 64 * 1024 }) });
  srv.input(encodeFrame(CMD_SYN, 3, new Uint8Array(0), 2), 1);
  const stream = srv.takeEvents().find((e) => e.type === 'stream-accepted')!;
  assert.ok(stream.type === 'stream-accepted');
  const upds: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < 20; i++) {
    srv.input(encodeFrame(CMD_PSH, 3, new Uint8Array(8000), 2), 2 + i);
    for (let c = stream.stream.read(); c; c = stream.stream.read()) total += c.length;
    for (const f of framesOf(srv.takeOutput())) {
      assert.equal(f.ver, 2);
      if (f.cmd === CMD_UPD) upds.push([Buffer.from(f.payload).readUInt32LE(0), Buffer.from(f.payload).readUInt32LE(4)]);
    }
  }
  assert.equal(total, 160_000);
  // first read → 8000; then whenever ≥ 32 768 more were read: 48 000, 88 000, 128 000
  assert.deepEqual(upds, [[8000, 65536], [48_000, 65536], [88_000, 65536], [128_000, 65536]]);
});

test('adoptPeerVersion: a stock server takes the version of its peer\'s first frame for the whole session; a later change is refused', () => {
  for (const [configured, peer] of [[2, 1], [1, 2], [2, 2]] as const) {
    const s = new SmuxSession({ role: 'server', now: 0, config: stock(configured, { adoptPeerVersion: true }) });
    s.input(encodeFrame(CMD_SYN, 3, new Uint8Array(0), peer), 1);
    assert.equal(s.error, null);
    assert.equal(s.version, peer);
    s.tick(10_000);
    assert.deepEqual(framesOf(s.takeOutput()).map((f) => f.ver), [peer], 'our NOP speaks the peer\'s version');
    s.input(encodeFrame(CMD_NOP, 0, new Uint8Array(0), peer === 1 ? 2 : 1), 10_001);
    assert.ok((s.error as unknown) instanceof InvalidVersionError, 'the version cannot change mid-session');
  }
  // v2 adopted: streams get windows (UPD after the first read); v1 adopted: none
  for (const peer of [1, 2] as const) {
    const s = new SmuxSession({ role: 'server', now: 0, config: stock(1, { adoptPeerVersion: true }) });
    s.input(encodeFrame(CMD_SYN, 3, new Uint8Array(0), peer), 1);
    s.input(encodeFrame(CMD_PSH, 3, new Uint8Array(100), peer), 2);
    const st = s.getStream(3)!;
    assert.equal(st.read()!.length, 100);
    assert.equal(framesOf(s.takeOutput()).filter((f) => f.cmd === CMD_UPD).length, peer === 2 ? 1 : 0, `v${peer}`);
  }
  // without it, or outside the stock dialect, nothing is adopted
  const fixed = new SmuxSession({ role: 'server', now: 0, config: stock(2) });
  fixed.input(encodeFrame(CMD_SYN, 3, new Uint8Array(0), 1), 1);
  assert.ok(fixed.error instanceof InvalidVersionError);
  assert.throws(() => verifySmuxConfig({ adoptPeerVersion: true }), /adoptPeerVersion/);
});
