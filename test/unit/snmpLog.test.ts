import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendSnmpRow, formatGoTime, snmpLine, snmpLogPath } from '@kcptunb/control';
import { Snmp, SNMP_FIELDS, SNMP_STRUCT_ORDER } from '@kcptunb/snmp';

test('Go time layouts in --snmplog file names', () => {
  const d = new Date(2026, 0, 5, 9, 7, 3, 42); // local time
  assert.equal(formatGoTime('snmp-20060102.log', d), 'snmp-20260105.log');
  assert.equal(formatGoTime('2006-01-02 15:04:05', d), '2026-01-05 09:07:03');
  assert.equal(formatGoTime('Jan _2 3:4:5 PM', d), 'Jan  5 9:7:3 AM');
  assert.equal(formatGoTime('January Monday 06 002 .000', d), 'January Monday 26 005 .042');
  // in May, so that a month written out and "Jan" kept as text look different
  const may = new Date(2026, 4, 5, 9, 7, 3);
  assert.equal(formatGoTime('Janx', may), 'Janx', 'Jan followed by a lower-case letter is text, not the month');
  assert.equal(formatGoTime('Jan x', may), 'May x', 'Jan on its own is the month');
  assert.equal(snmpLogPath('/var/log/2006/snmp-20060102.csv', d), '/var/log/2006/snmp-20260105.csv', 'only the file name is formatted');
});

test('--snmplog rows: header once, then Unix seconds and the 24 counters in CSV order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcptunb-snmp-'));
  try {
    const snmp = new Snmp();
    snmp.add('BytesSent', 26);
    snmp.add('FECShortShards', 3);
    const when = new Date(2026, 10, 24, 12, 0, 0);
    const file = appendSnmpRow(join(dir, 'snmp-20060102.log'), snmp, when);
    appendSnmpRow(join(dir, 'snmp-20060102.log'), snmp, when);
    assert.equal(file, join(dir, 'snmp-20261124.log'));
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines[0], `Unix,${SNMP_FIELDS.join(',')}`);
    assert.equal(lines[0]!.split(',').length, 25);
    const row = lines[1]!.split(',');
    assert.equal(row[0], String(Math.floor(when.getTime() / 1000)));
    assert.equal(row[1], '26');
    assert.equal(row[24], '3');
    assert.equal(lines[2], lines[1]);
    assert.equal(lines[3], '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGUSR1 line uses the struct order (last four differ from CSV)', () => {
  const snmp = new Snmp();
  snmp.add('FECRecovered', 7);
  const line = snmpLine(snmp, SNMP_STRUCT_ORDER);
  assert.match(line, /^KCP SNMP:&\{BytesSent:0 BytesReceived:0 MaxConn:0 .* RepeatSegs:0 FECRecovered:7 FECErrs:0 FECParityShards:0 FECShortShards:0\}$/);
});
