/** The pure parts of the self-explaining failures: SNMP hints, the --nocomp test, IPv6 brackets in log lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bracketHostPort, isCompressionMismatch, SnmpHints, socketAddress, type HintCounters } from '@kcptunb/control';
import { ChecksumTally, MAX_NAMED_SOURCES } from '@kcptunb/dataplane/shell';

const c = (InCsumErrors: number, InPkts: number, OutPkts: number): HintCounters => ({ InCsumErrors, InPkts, OutPkts });

test('checksum hint (client): the growth per period; nothing when it does not grow; counter restarts are deltas from 0; a server leaves it to its listener', () => {
  const client = new SnmpHints({ side: 'client', server: '[::1]:4000' });
  assert.deepEqual(client.observe(c(5, 0, 0)), [], 'the first reading is the baseline');
  assert.deepEqual(client.observe(c(12, 5, 5)), ['7 datagrams from the server [::1]:4000 failed the checksum in 10 s: check --key and --crypt on both sides']);
  assert.deepEqual(client.observe(c(12, 8, 8)), []);
  assert.deepEqual(client.observe(c(1, 9, 9)), ['1 datagram from the server [::1]:4000 failed the checksum in 10 s: check --key and --crypt on both sides'], 'after a --snmplog restart');
  const server = new SnmpHints({ side: 'server' });
  server.observe(c(0, 0, 0));
  assert.deepEqual(server.observe(c(7, 0, 0)), [], 'the server names each source itself (ChecksumTally)');
});

test('checksum tally (server): one line per failing source after the period, the most failures first; bounded; a name built once per source', () => {
  const tally = new ChecksumTally(10_000);
  let names = 0;
  const name = (text: string) => () => (names++, text);
  assert.deepEqual(tally.due(0), [], 'nothing failed');
  for (let i = 0; i < 3; i++) tally.note(1, 100 + i, name('127.0.0.1:5000'));
  for (let i = 0; i < 5; i++) tally.note('k2', 200 + i, name('[::1]:6000'));
  assert.deepEqual(tally.due(10_099), [], 'the period started at the first failure');
  assert.deepEqual(tally.due(10_100), [
    '5 datagrams from [::1]:6000 failed the checksum in 10 s: check --key and --crypt on both sides',
    '3 datagrams from 127.0.0.1:5000 failed the checksum in 10 s: check --key and --crypt on both sides',
  ]);
  assert.equal(names, 2);
  assert.deepEqual(tally.due(30_000), [], 'a new period waits for the next failure');
  for (let k = 0; k < MAX_NAMED_SOURCES + 3; k++) tally.note(1000 + k, 40_000, name(`10.0.0.${k}:1`));
  tally.note(1000, 40_001, name('again'));
  const lines = tally.due(50_000);
  assert.equal(lines.length, MAX_NAMED_SOURCES + 1);
  assert.equal(lines[0], '2 datagrams from 10.0.0.0:1 failed the checksum in 10 s: check --key and --crypt on both sides');
  assert.equal(lines.at(-1), '3 datagrams from 3 other addresses failed the checksum in 10 s: check --key and --crypt on both sides');
  assert.equal(names, 2 + MAX_NAMED_SOURCES, 'sources past the cap are only counted');
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
