/** Per-period SNMP rows over counters a worker keeps adding to: nothing is lost at a period change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { S, Snmp, SnmpPeriod } from '@kcptunb/snmp';

function row(period: SnmpPeriod): Snmp {
  const out = new Snmp();
  period.addRowTo(out);
  return out;
}

test('an increment between reading a row and starting the next period lands in the next row', () => {
  const live = new Snmp(new SharedArrayBuffer(Snmp.BYTES));
  const period = new SnmpPeriod(live);
  live.add('InPkts', 5);
  assert.equal(row(period).get('InPkts'), 5);
  live.add('InPkts', 3); // the worker, after the row was written and before the restart
  period.restart();
  live.add('InPkts', 2);
  assert.equal(row(period).get('InPkts'), 5, '3 + 2: zeroing the live counters would have reported 2');
});

test('restart writes no counter: CurrEstab stays a gauge and MaxConn restarts from it', () => {
  const live = new Snmp(new SharedArrayBuffer(Snmp.BYTES));
  live.values.forEach((_, i) => (live.values[i] = 100 + i));
  live.values[S.CurrEstab] = 4;
  live.values[S.MaxConn] = 9;
  const before = Float64Array.from(live.values);
  const period = new SnmpPeriod(live);
  period.restart();
  for (let i = 0; i < before.length; i++) if (i !== S.MaxConn) assert.equal(live.values[i], before[i], `live counter ${i} untouched`);
  assert.equal(live.get('MaxConn'), 4);
  const r = row(period);
  assert.equal(r.get('BytesSent'), 0);
  assert.equal(r.get('CurrEstab'), 4, 'a gauge is reported as it is');
  assert.equal(r.get('MaxConn'), 4);
});

test('a worker adding while the control thread keeps taking rows: the rows sum to every increment', async () => {
  const sab = new SharedArrayBuffer(Snmp.BYTES);
  const period = new SnmpPeriod(new Snmp(sab));
  const done = new Int32Array(new SharedArrayBuffer(4));
  const N = 2_000_000;
  const worker = new Worker(
    `const { workerData: { sab, done, n, at } } = require('node:worker_threads');
     const v = new Float64Array(sab);
     for (let i = 0; i < n; i++) v[at] += 1;
     Atomics.store(done, 0, 1);`,
    { eval: true, workerData: { sab, done, n: N, at: S.InPkts } },
  );
  let total = 0;
  let rows = 0;
  while (Atomics.load(done, 0) === 0 || rows === 0) {
    total += row(period).get('InPkts');
    period.restart();
    rows++;
    await new Promise((r) => setImmediate(r));
  }
  total += row(period).get('InPkts');
  await worker.terminate();
  assert.ok(rows > 1, `${rows} periods`);
  assert.equal(total, N);
});
