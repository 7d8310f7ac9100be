/** The pure parts of the self-explaining failures: SNMP hints, the --nocomp test, IPv6 brackets in log lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bracketHostPort, isCompressionMismatch, SnmpHints, socketAddress, type HintCounters } from '@kcptunb/control';

const c = (InCsumErrors: number, InPkts: number, OutPkts: number): HintCounters => ({ InCsumErrors, InPkts, OutPkts });

test('checksum hint: the growth per period, named per side; nothing when it does not grow; counter restarts are deltas from 0', () => {
  const server = new SnmpHints({ side: 'server' });
  assert.deepEqual(server.observe(c(5, 0, 0)), [], 'the first reading is the baseline');
  assert.deepEqual(server.observe(c(12, 0, 0)), ['7 datagrams from clients failed the checksum in 10 s: check --key and --crypt on both sides']);
  assert.deepEqual(server.observe(c(12, 3, 3)), []);
  assert.deepEqual(server.observe(c(1, 0, 0)), ['1 datagram from clients failed the checksum in 10 s: check --key and --crypt on both sides'], 'after a --snmplog restart');
  const client = new SnmpHints({ side: 'client', server: '[::1]:4000' });
  client.observe(c(0, 0, 0));
  assert.match(client.observe(c(2, 5, 5))[0]!, /^2 datagrams from the server \[::1\]:4000 failed the checksum/);
});

test('no-reply hint: only while sending without receiving, after 1, 2, 4, 8 silent periods; a reply resets it', () => {
  const h = new SnmpHints({ side: 'client', server: '127.0.0.1:4000' });
  h.observe(c(0, 0, 0));
  const lines: string[][] = [];
  let out = 0;
  for (let period = 1; period <= 9; period++) lines.push(h.observe(c(0, 0, (out += 3))));
  const said = lines.flat();
  assert.deepEqual(said, [10, 20, 40, 80].map((s) => `no reply from 127.0.0.1:4000 for ${s} s: is the server running, and are -r, --key and --crypt right?`));
  assert.deepEqual(h.observe(c(0, 0, out)), [], 'a period without sending says nothing');
  assert.deepEqual(h.observe(c(0, 1, (out += 3))), [], 'a reply ends the silence');
  assert.equal(h.observe(c(0, 1, (out += 3))).length, 1, 'and the count starts again at 10 s');
  assert.deepEqual(new SnmpHints({ side: 'server' }).observe(c(0, 0, 9)), []);
  const server = new SnmpHints({ side: 'server' });
  server.observe(c(0, 0, 0));
  assert.deepEqual(server.observe(c(0, 0, 9)), [], 'servers never report silence');
});

test('--nocomp mismatch is recognised from either side', () => {
  assert.equal(isCompressionMismatch('snappy: snappy stream does not start with the stream identifier'), true);
  assert.equal(isCompressionMismatch('smux frame version 255, expected 1'), true);
  assert.equal(isCompressionMismatch('smux frame version 2, expected 1'), false);
  assert.equal(isCompressionMismatch('keepalive timeout'), false);
});

test('log lines bracket IPv6 addresses', () => {
  assert.equal(bracketHostPort('::1:4000'), '[::1]:4000');
  assert.equal(bracketHostPort('fe80::1%eth0:53'), '[fe80::1%eth0]:53');
  assert.equal(bracketHostPort('[::1]:4000'), '[::1]:4000');
  assert.equal(bracketHostPort('127.0.0.1:4000'), '127.0.0.1:4000');
  assert.equal(bracketHostPort('host.example:80'), 'host.example:80');
  assert.equal(socketAddress('::ffff:127.0.0.1', 5000), '[::ffff:127.0.0.1]:5000');
  assert.equal(socketAddress('127.0.0.1', 5000), '127.0.0.1:5000');
  assert.equal(socketAddress(undefined, undefined), '?');
});
