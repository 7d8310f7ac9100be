/**
 * An idle KCP schedules no periodic flush (docs/protocol.md §3.2): idle exactly while nothing is
 * queued, in flight, to acknowledge or to probe and the peer's window is open; every event that
 * makes work ends it; and KcpSession then asks its shell for no timer (msUntilFlush = Infinity).
 * Two pure KCPs wired back to back, a virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMode, CMD_WASK, DEFAULT_KCP_CONFIG, encodeHeader, Kcp, KCP_OVERHEAD } from '@kcptunb/kcp';
import { KcpSession } from '@kcptunb/session';
import { createDatagramCipher, deriveKey } from '@kcptunb/crypt';
import { loadKernels, type DatagramBatch } from '@kcptunb/wasm';
import { Snmp } from '@kcptunb/snmp';

const config = applyMode({ ...DEFAULT_KCP_CONFIG }, 'fast3');

/** Two KCPs whose output is queued for the other; `deliver` hands over what one sent. */
function pair() {
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const a = new Kcp(5, config, (bytes) => toB.push(bytes.slice()), new Snmp());
  const b = new Kcp(5, config, (bytes) => toA.push(bytes.slice()), new Snmp());
  const deliver = (queue: Uint8Array[], to: Kcp, now: number) => {
    for (const d of queue.splice(0)) to.input(d, true, now);
  };
  return { a, b, toA, toB, deliver };
}

test('idle while nothing is queued, in flight or acknowledged; a send, a PUSH and its ACK move it', () => {
  const { a, b, toA, toB, deliver } = pair();
  assert.equal(a.idle, true, 'a fresh KCP has nothing to flush');
  a.send(new Uint8Array(3000));
  assert.equal(a.idle, false, 'queued data');
  a.flush(0);
  assert.equal(a.idle, false, 'in flight');
  assert.ok(toB.length > 0);
  deliver(toB, b, 5);
  assert.equal(b.idle, false, 'ACKs queued');
  b.flushAcks(5);
  assert.equal(b.idle, true, 'everything acknowledged, data waiting to be read is not flush work');
  deliver(toA, a, 10);
  assert.equal(a.inFlight, 0);
  assert.equal(a.idle, true, 'everything acknowledged');
  assert.equal(toA.length + toB.length, 0);
  a.flush(20);
  b.flush(20);
  assert.equal(toA.length + toB.length, 0, 'an idle flush emits nothing: skipping it changes no byte on the wire');
});

test('a WASK ends the idle state until the WINS has gone out', () => {
  const { a, toB } = pair();
  const wask = new Uint8Array(KCP_OVERHEAD);
  encodeHeader(wask, 0, 5, CMD_WASK, 0, 128, 0, 0, 0, 0);
  a.input(wask, true, 0);
  assert.equal(a.idle, false, 'a WINS is due');
  a.flush(1);
  assert.equal(toB.length, 1, 'the WINS');
  assert.equal(a.idle, true);
});

test('a zero peer window keeps the probe timer running', () => {
  const { a } = pair();
  const closed = new Uint8Array(KCP_OVERHEAD);
  encodeHeader(closed, 0, 5, CMD_WASK, 0, 0, 0, 0, 0, 0); // any segment carries the peer's window: 0
  a.input(closed, true, 0);
  a.flush(1); // the WINS the WASK asked for; the zero window schedules a WASK of ours
  assert.equal(a.remoteWindow, 0);
  assert.equal(a.idle, false, 'a WASK is scheduled while the peer window is 0');
});

test('KcpSession: no timer while idle, the interval once there is work', () => {
  const kernels = loadKernels();
  const session = new KcpSession(kernels, {
    conv: 9,
    kcp: config,
    cipher: createDatagramCipher(kernels, 'aes', deriveKey('idle')),
    dataShards: 10,
    parityShards: 3,
    onDatagrams: (_batch: DatagramBatch) => {},
  });
  assert.equal(session.msUntilFlush(0), Infinity);
  session.write(new Uint8Array(100), 0);
  const due = session.msUntilFlush(0);
  assert.ok(Number.isFinite(due) && due <= config.interval, `in flight: due in ${due} ms`);
});
