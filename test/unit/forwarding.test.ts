/** Datagrams the listener forwards to another shard: drops on a full ring are counted in SNMP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from '@kcptunb/ring';
import { Snmp } from '@kcptunb/snmp';
import { ForwardedSessions, ForwardLink } from '@kcptunb/dataplane/shell';

const rings = () => ({ ingress: RingBuffer.create(4096), egress: RingBuffer.create(4096) });

test('a full ingress ring drops datagrams as InErrs on the listener', () => {
  const counters = new Snmp();
  const link = new ForwardLink(1, rings(), () => {}, counters);
  const datagram = new Uint8Array(1000);
  let pushed = 0;
  for (let i = 0; i < 10; i++) {
    const before = counters.get('InErrs');
    link.forward(7, datagram);
    if (counters.get('InErrs') === before) pushed++;
  }
  assert.ok(pushed >= 1 && pushed < 10, `${pushed} fitted`);
  assert.equal(counters.get('InErrs'), 10 - pushed);
  link.close();
});

test('a reply dropped on a full egress ring is taken back out of OutPkts and OutBytes', () => {
  const counters = new Snmp();
  const owner = new ForwardedSessions(rings(), () => true, counters);
  const datagram = new Uint8Array(1000);
  for (let i = 0; i < 10; i++) {
    counters.add('OutPkts'); // what the session counts when it emits
    counters.add('OutBytes', datagram.length);
    owner.transmit(7, datagram);
  }
  const fitted = counters.get('OutPkts');
  assert.ok(fitted >= 1 && fitted < 10, `${fitted} fitted`);
  assert.equal(counters.get('OutBytes'), fitted * datagram.length);
  owner.close();
});

test('datagrams for a session not adopted yet beyond the early queue count as InErrs', async () => {
  const counters = new Snmp();
  const r = { ingress: RingBuffer.create(1 << 20), egress: RingBuffer.create(4096) };
  const owner = new ForwardedSessions(r, () => false, counters);
  const link = new ForwardLink(1, r, () => {}, new Snmp());
  for (let i = 0; i < 70; i++) link.forward(9, new Uint8Array([i]));
  for (let i = 0; i < 50 && counters.get('InErrs') < 6; i++) await new Promise((done) => setTimeout(done, 2));
  assert.equal(counters.get('InErrs'), 70 - 64, 'the early queue holds 64 per session');
  assert.equal(owner.takeEarly(9).length, 64);
  link.close();
  owner.close();
});
