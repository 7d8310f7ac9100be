/**
 * `SmuxSession.takeOutputInto(dest)` (frames encoded straight into a ring reservation) yields the
 * very byte stream `takeOutput(dest.length)` does, whatever the sizes asked for: two sessions fed
 * the same streams, writes and closes, drained one way each, on seeded random schedules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SmuxSession } from '@kcptunb/smux';
import { RingBuffer, RingConsumer, RingProducer } from '@kcptunb/ring';

const opArb = fc.oneof(
  fc.record({ kind: fc.constant('open' as const) }),
  fc.record({ kind: fc.constant('write' as const), stream: fc.nat(7), bytes: fc.nat(70_000) }),
  fc.record({ kind: fc.constant('close' as const), stream: fc.nat(7) }),
  fc.record({ kind: fc.constant('drain' as const), max: fc.integer({ min: 1, max: 70_000 }) }),
);

function drive(ops: ReturnType<typeof opArb.generate>['value'][], drain: (s: SmuxSession, max: number) => Uint8Array | null): Buffer {
  const s = new SmuxSession({ role: 'client', now: 0, config: { writeHighWaterMark: 1 << 30 } });
  const streams: ReturnType<SmuxSession['openStream']>[] = [];
  const out: Uint8Array[] = [];
  let fill = 0;
  for (const op of ops) {
    if (op.kind === 'open') streams.push(s.openStream());
    else if (op.kind === 'write' && streams.length) {
      const data = new Uint8Array(op.bytes);
      for (let i = 0; i < data.length; i++) data[i] = fill++ & 0xff;
      streams[op.stream % streams.length]!.write(data);
    } else if (op.kind === 'close' && streams.length) streams[op.stream % streams.length]!.close();
    else if (op.kind === 'drain') {
      const b = drain(s, op.max);
      if (b) out.push(b);
    }
  }
  for (let b = drain(s, 65_536); b; b = drain(s, 65_536)) out.push(b);
  return Buffer.concat(out);
}

test('smux: takeOutputInto writes the same bytes as takeOutput for any reservation sizes (seeded)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const taken = drive(ops, (s, max) => s.takeOutput(max));
      const into = drive(ops, (s, max) => {
        const dest = new Uint8Array(max).fill(0xee);
        const n = s.takeOutputInto(dest);
        assert.ok(n <= max);
        return n === 0 ? null : dest.subarray(0, n);
      });
      assert.equal(into.length, taken.length);
      assert.ok(into.equals(taken), 'byte streams differ');
    }),
    { seed: 20261201, numRuns: 200 },
  );
});

test('ring: a cancelled reservation publishes nothing and the next push lands where it would have', () => {
  const sab = RingBuffer.create(4096);
  const p = new RingProducer(sab);
  const c = new RingConsumer(sab);
  const room = p.reserve(1000)!;
  room.fill(7);
  p.cancel();
  assert.equal(c.hasData, false);
  assert.ok(p.tryPush(new Uint8Array([1, 2, 3])));
  const got: number[][] = [];
  c.drain((r) => got.push([...r]));
  assert.deepEqual(got, [[1, 2, 3]]);
  p.cancel(); // no reservation: nothing happens
  assert.ok(p.tryPush(new Uint8Array([4])));
  c.drain((r) => got.push([...r]));
  assert.deepEqual(got, [[1, 2, 3], [4]]);
});
