/** Operating a running tunnel: SIGUSR1, --snmplog, --log, --autoexpire/--scavengettl, bad flags (--pprof: pprof.test.ts). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { echoTransfer, KCPTUNB_BIN, ProcessGroup, sleep, startTunnel, waitFor } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const MiB = 1 << 20;

test('SIGUSR1 logs one kcptun-style SNMP line; --snmplog writes a header and one row per period', async () => {
  const dir = group.tempDir('kcptunb-ops-');
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--snmplog', join(dir, 'snmp-20060102.log'), '--snmpperiod', '1']);
  await echoTransfer(t.port, 2 * MiB, 30_000);
  t.client.child.kill('SIGUSR1');
  await waitFor(() => /KCP SNMP:&\{/.test(t.client.output()), 5000, 'the SNMP line');
  const line = t.client.output().split('\n').find((l) => l.includes('KCP SNMP:'))!;
  assert.match(line, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d KCP SNMP:&\{BytesSent:\d+ BytesReceived:\d+ MaxConn:\d+ ActiveOpens:\d+ .* FECRecovered:\d+ FECErrs:\d+ FECParityShards:\d+ FECShortShards:\d+\}$/);
  // --snmpperiod 1: a header and two rows within a few seconds
  const rows = () => readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n')).length;
  await waitFor(() => rows() >= 3, 10_000, 'the header and two rows in the --snmplog file', { pollMs: 100 });
  // one file per local day: a run across midnight has two
  const files = readdirSync(dir).sort();
  assert.ok(files.length >= 1 && files.every((f) => /^snmp-\d{8}\.log$/.test(f)), files.join(' '));
  const lines = readFileSync(join(dir, files[0]!), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'Unix,BytesSent,BytesReceived,MaxConn,ActiveOpens,PassiveOpens,CurrEstab,InErrs,InCsumErrors,KCPInErrors,InPkts,OutPkts,InSegs,OutSegs,InBytes,OutBytes,RetransSegs,FastRetransSegs,EarlyRetransSegs,LostSegs,RepeatSegs,FECParityShards,FECErrs,FECRecovered,FECShortShards');
  assert.ok(lines.length >= 3, `header and at least two rows, got ${lines.length}`);
  for (const row of lines.slice(1)) {
    const cells = row.split(',');
    assert.equal(cells.length, 25);
    assert.ok(cells.every((c) => /^\d+$/.test(c)), row);
    assert.equal(cells[6], '1', 'CurrEstab stays 1 across per-period resets');
  }
  // counters are per-period deltas (a SIGUSR1 line after the first reset shows ActiveOpens:0): the rows add up to the one open
  const opens = lines.slice(1).reduce((a, row) => a + Number(row.split(',')[4]), 0);
  assert.equal(opens, 1, 'one session opened, counted in exactly one period');
});

test('--log FILE receives the log lines', async () => {
  const dir = group.tempDir('kcptunb-log-');
  const target = await group.echoServer();
  const file = join(dir, 'client.log');
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--log', file]);
  await echoTransfer(t.port, 64 * 1024, 10_000);
  await waitFor(() => existsSync(file) && /connection: /.test(readFileSync(file, 'utf8')), 5000, 'the log file');
  assert.doesNotMatch(t.client.output(), /connection: /, 'nothing on stderr');
});

test('--autoexpire replaces a session on next use; the scavenger closes the old one once its streams end', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--autoexpire', '1', '--scavengettl', '30']);
  await echoTransfer(t.port, 256 * 1024, 10_000);
  await sleep(1200);
  await echoTransfer(t.port, 256 * 1024, 10_000);
  await waitFor(() => /marked as expired/.test(t.client.output()), 5000, 'expiry');
  await waitFor(() => /session normally closed/.test(t.client.output()), 5000, 'the scavenger');
  // each use after the expiry replaces the session once; a machine that took over 1 s between the
  // session's open and the first echo has one replacement more
  const replaced = (t.client.output().match(/marked as expired/g) ?? []).length;
  const sessions = new Set(t.server.output().match(/remote address: \S+/g) ?? []);
  assert.equal(sessions.size, 1 + replaced, 'each replacement is a new KCP session at the server');
});

test('bad flags and config: one line on stderr, exit code 2, nothing started', () => {
  for (const args of [['client', '--crypt', 'rot13'], ['server', '--mtu', '9000'], ['client', '--nope'], ['client', '-c', '/nonexistent.json'], ['frobnicate']]) {
    const r = spawnSync(process.execPath, [KCPTUNB_BIN, ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^kcptunb: /);
  }
  const help = spawnSync(process.execPath, [KCPTUNB_BIN, 'server', '-h'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--target/);
  const version = spawnSync(process.execPath, [KCPTUNB_BIN, 'client', '-v'], { encoding: 'utf8', timeout: 10_000 });
  assert.match(version.stdout, /^kcptun version /);
});
