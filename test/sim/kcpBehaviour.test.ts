/** KCP protocol details on the simulator and on hand-made segments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CMD_ACK,
  CMD_PUSH,
  CMD_WASK,
  CMD_WINS,
  DEFAULT_KCP_CONFIG,
  encodeHeader,
  InputResult,
  InvalidKcpConfigError,
  Kcp,
  readU32,
  verifyKcpConfig,
  type KcpConfig,
} from '@kcptunb/kcp';
import { KcpEndpoint } from '../support/kcpEndpoint.js';
import { LossyLink } from '../support/lossyLink.js';
import { Rng } from '../support/random.js';
import { runSimulation } from '../support/simulation.js';
import { parseSegments } from '../support/kcpSegments.js';

const base: KcpConfig = { ...DEFAULT_KCP_CONFIG, reserved: 0 };

function segmentBytes(conv: number, cmd: number, wnd: number, ts: number, sn: number, una: number, payload = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(24 + payload.length);
  encodeHeader(out, 0, conv, cmd, 0, wnd, ts, sn, una, payload.length);
  out.set(payload, 24);
  return out;
}

test('segment encoding: spec A.4 ACK segment', () => {
  const s = segmentBytes(0x11223344, CMD_ACK, 512, 1000, 5, 6);
  assert.equal(Buffer.from(s).toString('hex'), '44332211' + '52' + '00' + '0002' + 'e8030000' + '05000000' + '06000000' + '00000000');
});

test('mss = mtu − 24 − reserved; stream mode tops up the last unsent segment', () => {
  const out: Uint8Array[] = [];
  const kcp = new Kcp(7, { ...base, mtu: 1350, reserved: 28 }, (b) => out.push(b.slice()));
  assert.equal(kcp.mss, 1298);
  kcp.send(new Uint8Array(100).fill(1));
  kcp.send(new Uint8Array(1300).fill(2));
  assert.equal(kcp.waitSnd, 2, '100 + 1198 in the first segment, 102 in the second');
  kcp.flush(0);
  const segs = out.flatMap((d) => parseSegments(d));
  assert.deepEqual(segs.map((s) => [s.cmd, s.sn, s.payload.length]), [
    [CMD_PUSH, 0, 1298],
    [CMD_PUSH, 1, 102],
  ]);
  for (const d of out) assert.ok(d.length <= 1350 - 28, 'datagram within mtu minus the reserved prefix');
});

test('input rejects bad segments without throwing and counts KCPInErrors', () => {
  const kcp = new Kcp(1, base, () => {});
  assert.equal(kcp.input(new Uint8Array(10), true, 0), InputResult.SHORT);
  assert.equal(kcp.input(segmentBytes(2, CMD_PUSH, 32, 0, 0, 0, new Uint8Array(5)), true, 0), InputResult.CONV_MISMATCH);
  const truncated = segmentBytes(1, CMD_PUSH, 32, 0, 0, 0, new Uint8Array(5)).subarray(0, 26);
  assert.equal(kcp.input(truncated, true, 0), InputResult.TRUNCATED);
  assert.equal(kcp.input(segmentBytes(1, 99, 32, 0, 0, 0), true, 0), InputResult.BAD_COMMAND);
  assert.equal(kcp.snmp.get('KCPInErrors'), 4);
  // a good segment before a bad one is still taken
  const good = segmentBytes(1, CMD_PUSH, 32, 0, 0, 0, new Uint8Array([9, 9]));
  const both = new Uint8Array(good.length + 24);
  both.set(good);
  both.set(segmentBytes(5, CMD_PUSH, 32, 0, 1, 0), good.length);
  assert.equal(kcp.input(both, true, 0), InputResult.CONV_MISMATCH);
  assert.equal(kcp.readable, 2);
});

test('fuzz: random and mutated datagrams never throw', () => {
  const rng = new Rng(5);
  const kcp = new Kcp(0xabcdef, base, () => {});
  const valid = segmentBytes(0xabcdef, CMD_PUSH, 100, 5, 0, 0, new Uint8Array(50));
  for (let i = 0; i < 50_000; i++) {
    let d: Uint8Array;
    if (i % 2) d = rng.fill(new Uint8Array(rng.int(200)));
    else {
      d = valid.slice();
      for (let k = 0; k < 3; k++) d[rng.int(d.length)] = rng.u32() & 0xff;
    }
    kcp.input(d, rng.int(2) === 0, i);
    if (i % 100 === 0) kcp.flush(i);
    kcp.recv(new Uint8Array(4096));
  }
});

test('ACK thinning: only sns ≥ rcv_nxt plus the last pending pair are acknowledged', () => {
  const out: Uint8Array[] = [];
  const kcp = new Kcp(1, base, (b) => out.push(b.slice()));
  // in order 0,1,2 then 4: acks for 0,1,2 are covered by una=3 except the last pending one
  for (const sn of [0, 1, 2, 4]) kcp.input(segmentBytes(1, CMD_PUSH, 32, 100 + sn, sn, 0, new Uint8Array(3)), true, 0);
  kcp.flush(0);
  const acks = out.flatMap((d) => parseSegments(d)).filter((s) => s.cmd === CMD_ACK);
  assert.deepEqual(acks.map((s) => [s.sn, s.ts, s.una]), [[4, 104, 3]]);
});

test('RTO estimator follows kcp-go (first sample, smoothing, clamp)', () => {
  const kcp = new Kcp(1, base, () => {});
  const r = kcp.rto;
  assert.equal(r.rto, 200);
  r.sample(100, 30, 100);
  assert.deepEqual([r.srtt, r.rttvar, r.rto], [100, 50, 300]);
  r.sample(60, 30, 100); // delta −40 → srtt 95; 60 < 95 − 50? no → rttvar += (40 − 50) >> 2
  assert.deepEqual([r.srtt, r.rttvar], [95, 47]);
  // delta −94 → srtt 95 + (−94 >> 3) = 83; 1 < 83 − 47 → rttvar += (94 − 47) >> 5 = 48; rto = 83 + 4·48
  r.sample(1, 10, 30);
  assert.deepEqual([r.srtt, r.rttvar, r.rto], [83, 48, 275]);
  r.sample(200_000, 10, 30);
  assert.equal(r.rto, 60000, 'clamped to RTO_MAX');
  // a fresh estimator: first sample 1 ms → 1 + max(interval 10, 0) = 11, clamped up to minRto 30
  const fresh = new Kcp(2, base, () => {}).rto;
  fresh.sample(1, 10, 30);
  assert.deepEqual([fresh.srtt, fresh.rttvar, fresh.rto], [1, 0, 30], 'clamped to minRto');
});

/** PUSH segments a Kcp emits while `drive` runs: (virtual ms of the flush, sn). */
function pushLog(kcp: Kcp, out: Uint8Array[]): Array<[number, number]> {
  return out.flatMap((d) => parseSegments(d)).filter((s) => s.cmd === CMD_PUSH).map((s) => [s.ts, s.sn]);
}

test('fast retransmit: a segment skipped by `resend` later acks is resent at the next flush', () => {
  const out: Uint8Array[] = [];
  const config = { ...base, nodelay: 1, interval: 10, resend: 2, nc: 1 };
  const kcp = new Kcp(1, config, (b) => out.push(b.slice()));
  for (let i = 0; i < 4; i++) kcp.send(new Uint8Array(kcp.mss).fill(i));
  kcp.flush(0);
  out.length = 0;
  // acks for 1 and 2 (sent at ts 0): segment 0 gets fastack 2 → fast retransmit at the next flush
  kcp.input(segmentBytes(1, CMD_ACK, 128, 0, 1, 0), true, 5);
  kcp.input(segmentBytes(1, CMD_ACK, 128, 0, 2, 0), true, 5);
  kcp.flush(6);
  assert.deepEqual(pushLog(kcp, out), [[6, 0]], 'only segment 0, at once — long before its 200 ms rto');
  assert.equal(kcp.snmp.get('FastRetransSegs'), 1);
  assert.equal(kcp.snmp.get('EarlyRetransSegs'), 0);
  assert.equal(kcp.snmp.get('LostSegs'), 0);
});

test('early retransmit: one skip is enough when nothing new is being sent, but not while new data goes out', () => {
  const config = { ...base, nodelay: 1, interval: 10, resend: 2, nc: 1 };
  for (const newData of [false, true]) {
    const out: Uint8Array[] = [];
    const kcp = new Kcp(1, config, (b) => out.push(b.slice()));
    kcp.send(new Uint8Array(kcp.mss).fill(1));
    kcp.send(new Uint8Array(kcp.mss).fill(2));
    kcp.flush(0);
    assert.deepEqual(pushLog(kcp, out), [[0, 0], [0, 1]]);
    out.length = 0;
    // segment 1 acknowledged: segment 0 has one skip (fastack 1 < resend 2)
    kcp.input(segmentBytes(1, CMD_ACK, 128, 0, 1, 0), true, 5);
    if (newData) kcp.send(new Uint8Array(kcp.mss).fill(3));
    kcp.flush(6);
    if (!newData) {
      assert.deepEqual(pushLog(kcp, out), [[6, 0]], 'segment 0 resent early');
      assert.equal(kcp.snmp.get('EarlyRetransSegs'), 1);
    } else {
      assert.deepEqual(pushLog(kcp, out), [[6, 2]], 'only the new segment: one skip is not a fast retransmit');
      assert.equal(kcp.snmp.get('EarlyRetransSegs'), 0);
    }
    assert.equal(kcp.snmp.get('FastRetransSegs'), 0);
  }
});

test('timeout back-off: with no acks the gap grows by rto/2 per timeout with nodelay, by rto without', () => {
  // rx_rto stays 200 (no RTT sample); each timeout adds 100 (nodelay) or 200 to the segment's rto
  const cases: Array<[number, number[]]> = [
    [1, [0, 200, 500, 900, 1400, 2000]],
    [0, [0, 200, 600, 1200, 2000, 3000]],
  ];
  for (const [nodelay, want] of cases) {
    const out: Uint8Array[] = [];
    const kcp = new Kcp(1, { ...base, nodelay, interval: 10, resend: 2, nc: 1 }, (b) => out.push(b.slice()));
    kcp.send(new Uint8Array(100).fill(7));
    // the virtual clock: every millisecond up to the last expected transmission
    for (let now = 0; now <= want[want.length - 1]!; now++) kcp.update(now);
    const sends = pushLog(kcp, out);
    assert.ok(sends.every(([, sn]) => sn === 0));
    assert.deepEqual(sends.map(([ts]) => ts), want, `nodelay ${nodelay}: transmissions at`);
    assert.equal(kcp.snmp.get('LostSegs'), want.length - 1, 'every retransmission counted as a timeout');
  }
});

test('window: never more than min(sndWnd, peer window) in flight', () => {
  const config = { ...base, sndWnd: 64, rcvWnd: 48, nodelay: 1, interval: 10, resend: 2, nc: 1 };
  const rng = new Rng(9);
  const aToB = new LossyLink({ loss: 0.05, delayMs: 20, jitterMs: 10 }, rng);
  const bToA = new LossyLink({ loss: 0.05, delayMs: 20, jitterMs: 10 }, rng);
  let maxInFlight = 0;
  const check = (k: Kcp) => {
    maxInFlight = Math.max(maxInFlight, k.inFlight);
    assert.ok(k.inFlight <= 64, `in flight ${k.inFlight} > sndWnd`);
  };
  const a = new KcpEndpoint({ conv: 3, config, link: aToB, sendBytes: 4 << 20, seed: 1, check });
  const b = new KcpEndpoint({ conv: 3, config, link: bToA, sendBytes: 0, seed: 2 });
  const r = runSimulation(a, b, aToB, bToA, { done: () => b.received === 4 << 20, maxVirtualMs: 600_000 });
  assert.ok(r.finished);
  assert.equal(b.receivedDigest(), a.sentDigest());
  assert.ok(maxInFlight <= 48, `peer window 48 bounds the flight (saw ${maxInFlight})`);
  assert.ok(maxInFlight >= 40, 'and the window is actually used');
});

test('zero window: the sender probes (WASK after 7 s), the receiver tells (WINS) when it reads again', () => {
  const config = { ...base, sndWnd: 32, rcvWnd: 16, nodelay: 1, interval: 10, resend: 2, nc: 1 };
  const rng = new Rng(3);
  const cmdsAtoB = new Set<number>();
  const cmdsBtoA = new Set<number>();
  class Tap extends LossyLink {
    constructor(private readonly seen: Set<number>) {
      super({ delayMs: 10 }, rng);
    }
    override send(d: Uint8Array, now: number): void {
      for (const s of parseSegments(d)) this.seen.add(s.cmd);
      super.send(d, now);
    }
  }
  const aToB = new Tap(cmdsAtoB);
  const bToA = new Tap(cmdsBtoA);
  const total = 1 << 20;
  const a = new KcpEndpoint({ conv: 4, config, link: aToB, sendBytes: total, seed: 1 });
  const b = new KcpEndpoint({ conv: 4, config, link: bToA, sendBytes: 0, seed: 2, readPausedUntil: 20_000 });
  const r = runSimulation(a, b, aToB, bToA, { done: () => b.received === total, maxVirtualMs: 120_000 });
  assert.ok(r.finished, `finished: got ${b.received}`);
  assert.equal(b.receivedDigest(), a.sentDigest());
  assert.ok(cmdsAtoB.has(CMD_WASK), 'sender probed the zero window');
  assert.ok(cmdsBtoA.has(CMD_WINS), 'receiver told its window');
});

test('sn and ts wrap past 2^32', () => {
  const config = { ...base, nodelay: 1, interval: 10, resend: 2, nc: 1, sndWnd: 256, rcvWnd: 256, firstSn: 0xffffffff - 300 };
  const rng = new Rng(11);
  const aToB = new LossyLink({ loss: 0.1, delayMs: 15, jitterMs: 10 }, rng);
  const bToA = new LossyLink({ loss: 0.1, delayMs: 15, jitterMs: 10 }, rng);
  const total = 2 << 20; // ~1600 segments: sn crosses 2^32
  const a = new KcpEndpoint({ conv: 5, config, link: aToB, sendBytes: total, seed: 1 });
  const b = new KcpEndpoint({ conv: 5, config, link: bToA, sendBytes: total, seed: 2 });
  const start = 0x100000000 - 200; // the ms clock wraps 200 ms in
  const r = runSimulation(a, b, aToB, bToA, { done: () => a.received === total && b.received === total, maxVirtualMs: 600_000, startMs: start });
  assert.ok(r.finished);
  assert.ok(r.virtualMs > 200, "ran across the clock wrap");
  assert.equal(b.receivedDigest(), a.sentDigest());
  assert.equal(a.receivedDigest(), b.sentDigest());
});

test('config validation names the field; interval is clamped to [10, 5000]', () => {
  assert.throws(() => verifyKcpConfig({ ...base, mtu: 49 }), (e: unknown) => e instanceof InvalidKcpConfigError && e.field === 'mtu');
  assert.throws(() => verifyKcpConfig({ ...base, mtu: 1501 }), InvalidKcpConfigError);
  assert.throws(() => verifyKcpConfig({ ...base, sndWnd: 0 }), (e: unknown) => e instanceof InvalidKcpConfigError && e.field === 'sndWnd');
  assert.equal(verifyKcpConfig({ ...base, interval: 1 }).interval, 10);
  assert.equal(verifyKcpConfig({ ...base, interval: 9999 }).interval, 5000);
  assert.equal(readU32(new Uint8Array([1, 0, 0, 0x80]), 0), 0x80000001);
  void CMD_WINS;
});

test('a repeat that FEC rebuilt is not acknowledged (its ts may be seconds old: a bogus RTT sample for the sender); a rebuilt new segment is', () => {
  const out: Uint8Array[] = [];
  const kcp = new Kcp(1, { ...base, ackNoDelay: true }, (b) => out.push(b.slice()));
  const acks = () => out.flatMap((d) => parseSegments(d)).filter((s) => s.cmd === CMD_ACK).map((s) => [s.sn, s.ts]);
  kcp.input(segmentBytes(1, CMD_PUSH, 32, 1000, 0, 0, new Uint8Array([0])), true, 1000);
  assert.deepEqual(acks(), [[0, 1000]], 'a regular PUSH is acknowledged');
  out.length = 0;
  kcp.input(segmentBytes(1, CMD_PUSH, 32, 900, 0, 0, new Uint8Array([0])), false, 11000); // sn 0 again, rebuilt 10 s later
  assert.deepEqual(acks(), [], 'the rebuilt repeat is not');
  kcp.input(segmentBytes(1, CMD_PUSH, 32, 1500, 0, 0, new Uint8Array([0])), true, 11000);
  assert.deepEqual(acks(), [[0, 1500]], 'a regular repeat still is (its ACK may have been lost)');
  out.length = 0;
  kcp.input(segmentBytes(1, CMD_PUSH, 32, 2000, 1, 0, new Uint8Array([1])), false, 2500);
  assert.deepEqual(acks(), [[1, 2000]], 'a rebuilt new segment is acknowledged');
});

test('RTT samples come only from the first ACK of a segment: a repeat ACK with an old ts (kcp-go acknowledging a repeat FEC rebuilt) leaves the RTO alone', () => {
  const kcp = new Kcp(1, base, () => {});
  kcp.send(new Uint8Array(3000)); // three segments (mss 1376)
  kcp.flush(1000);
  const ackOf = (sn: number, ts: number, una: number) => segmentBytes(1, CMD_ACK, 128, ts, sn, una);
  kcp.input(ackOf(0, 1000, 1), true, 1040); // its own una covers it: still the first ACK
  assert.deepEqual([kcp.rto.srtt, kcp.rto.rttvar], [40, 20], 'the first ACK of sn 0 is a 40 ms sample');
  kcp.input(ackOf(2, 1000, 1), true, 1050); // selective: sn 2 acknowledged, sn 1 still out
  assert.equal(kcp.rto.srtt, 41, 'the first ACK of sn 2: 50 ms');
  const settled = [kcp.rto.srtt, kcp.rto.rttvar, kcp.rto.rto];
  kcp.input(ackOf(0, 1000, 1), true, 21000); // sn 0 again, 20 s later, with the ts of its first transmission
  kcp.input(ackOf(2, 1000, 1), true, 21000); // sn 2 was acknowledged, not yet passed by una
  assert.deepEqual([kcp.rto.srtt, kcp.rto.rttvar, kcp.rto.rto], settled, 'repeat ACKs give no sample');
  kcp.input(ackOf(1, 20990, 3), true, 21000);
  assert.ok(kcp.rto.srtt < 41, `the first ACK of sn 1 is a sample again (srtt ${kcp.rto.srtt})`);
});

test('Karn: an ACK that echoes a transmission older than the segment\'s latest gives no RTT sample', () => {
  const kcp = new Kcp(1, base, () => {});
  kcp.send(new Uint8Array(2000)); // two segments
  kcp.flush(1000);
  kcp.flush(1250); // past the first RTO (200 ms): both retransmitted with ts 1250
  kcp.input(segmentBytes(1, CMD_ACK, 128, 1000, 0, 0), true, 1260); // for the copy sent at 1000
  assert.equal(kcp.rto.srtt, 0, 'no sample: which copy arrived, and when, is unknown');
  kcp.input(segmentBytes(1, CMD_ACK, 128, 1250, 1, 0), true, 1270);
  assert.equal(kcp.rto.srtt, 20, 'the ACK of the latest copy is a sample');
});

test('lone ACK: waits for data to carry it or for loneAckDelay; a second PUSH sends both at once', () => {
  const out: Uint8Array[] = [];
  const kcp = new Kcp(1, { ...base, loneAckDelay: 2 }, (b) => out.push(b.slice()));
  const push = (sn: number, at: number) => kcp.input(segmentBytes(1, CMD_PUSH, 32, at, sn, 0, new Uint8Array([sn])), true, at);
  const acks = () => out.flatMap((d) => parseSegments(d)).filter((s) => s.cmd === CMD_ACK).map((s) => s.sn);
  push(0, 100);
  kcp.flushAcks(100);
  kcp.flush(101); // a flush with nothing else to send keeps it too
  assert.equal(out.length, 0, 'a lone ACK within its delay is held');
  assert.ok(kcp.nextFlushAt <= 102, `the next flush comes by the ACK's deadline (nextFlushAt ${kcp.nextFlushAt})`);
  kcp.update(102);
  assert.deepEqual(acks(), [0], 'sent at its deadline');
  out.length = 0;
  push(1, 200);
  kcp.send(new Uint8Array(10));
  kcp.flush(200);
  assert.equal(out.length, 1, 'one datagram: the reply carries the ACK');
  assert.deepEqual(acks(), [1]);
  out.length = 0;
  push(2, 300);
  push(3, 300);
  kcp.flushAcks(300);
  assert.deepEqual(acks(), [3], 'two queued ACKs leave at once (thinned: una covers sn 2)');
  out.length = 0;
  const eager = new Kcp(1, { ...base, loneAckDelay: 2, ackNoDelay: true }, (b) => out.push(b.slice()));
  eager.input(segmentBytes(1, CMD_PUSH, 32, 400, 0, 0, new Uint8Array([0])), true, 400);
  assert.deepEqual(acks(), [0], '--acknodelay still acknowledges every input at once');
});
