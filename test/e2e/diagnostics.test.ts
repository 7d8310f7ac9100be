/**
 * Failures that explain themselves, with real processes: mismatched --key (checksum hint on the
 * server, no-reply hint on the client), mismatched --nocomp (one hint per client session, one
 * close line per session), a -r name that does not resolve, an unusable --log, unknown -c keys,
 * stream lines in proxy modes, `help client` / `client help`, and a client that listens only
 * once its sessions are open.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { canConnect, freeTcpPort, freeUdpPort, KCPTUNB_BIN, ProcessGroup, waitFor, waitListening } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

const count = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).length;

/** A TCP connection to the client's listener that writes `bytes`; destroyed at cleanup. */
function poke(port: number, bytes: string | Buffer): Socket {
  const s = connect(port, '127.0.0.1', () => s.write(bytes));
  s.on('error', () => {});
  group.onCleanup(() => void s.destroy());
  return s;
}

async function pair(clientArgs: string[], serverArgs: string[]) {
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const port = await freeTcpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, ...serverArgs]);
  await server.waitOutput(/listening on/, 8000);
  const client = group.start('ours', 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udp}`, ...clientArgs]);
  await waitListening(port, 8000, () => client.output());
  return { server, client, port, udp };
}

test('a --key mismatch: the server names the client whose datagrams fail the checksum, the client the silent server', async () => {
  const { server, client, port, udp } = await pair(['--key', 'one'], ['--key', 'two']);
  poke(port, 'hello');
  await server.waitOutput(/\d+ datagrams? from 127\.0\.0\.1:\d+ failed the checksum in 10 s: check --key and --crypt on both sides/, 30_000);
  await client.waitOutput(new RegExp(`no reply from 127\\.0\\.0\\.1:${udp} for 10 s`), 30_000);
  // one line per failing address per 10 s period (a re-dialling client may have used a second port by then)
  const named = [...server.output().matchAll(/datagrams? from (\S+) failed the checksum/g)].map((m) => m[1]!);
  assert.ok(named.length >= 1 && new Set(named).size === named.length, `each address named once: ${named.join(', ')}`);
});

test('a --nocomp mismatch: one hint per client session, one close line per session', async () => {
  const { server, client, port, udp } = await pair(['--nocomp'], []);
  poke(port, 'hello');
  const hint = /snappy framing error from .*: check --nocomp on both sides/;
  await server.waitOutput(hint, 15_000);
  // the client retransmits, and the server re-creates the session from retransmissions (SNMP
  // PassiveOpens); how often depends on the client's RTO back-off, so two re-creations are the bar
  const passiveOpens = () => Math.max(0, ...[...server.output().matchAll(/PassiveOpens:(\d+)/g)].map((m) => Number(m[1])));
  await waitFor(
    () => {
      server.child.kill('SIGUSR1');
      return passiveOpens() >= 2;
    },
    40_000,
    'the server to re-create the session from retransmissions',
    { pollMs: 500 },
  );
  // a client session dialled just now has its connection line before the server's hint for it
  await waitFor(() => count(server.output(), hint) === count(client.output(), / connection: /), 15_000, 'one hint per client session, however often it is re-created', {
    pollMs: 100,
    diag: () => `server:\n${server.tail()}\nclient:\n${client.tail()}`,
  });
  const s = server.output();
  assert.equal(count(s, /snappy:/), count(s, hint), 'no raw snappy errors besides the hints');
  assert.match(s, new RegExp(`snappy framing error from 127\\.0\\.0\\.1:\\d+`));
  // the client hears from the server only if the server wrote before failing: its hint, if any, names the server
  const c = client.output();
  for (const line of c.split('\n').filter((l) => hint.test(l))) assert.match(line, new RegExp(`snappy framing error from 127\\.0\\.0\\.1:${udp}:`));
  // every client session: one connection line, at most one close line
  const sessions = c.split('\n').filter((l) => / connection: /.test(l)).map((l) => l.split('connection: ')[1]!);
  for (const label of sessions) assert.ok(count(c, new RegExp(`session ${label.replace(/[.]/g, '\\.')} closed`)) <= 1, `${label}\n${c}`);
  assert.equal(count(c, /closed by control/), 0);
});

test('a -r name that does not resolve is named and retried', async () => {
  const port = await freeTcpPort();
  const client = group.start('ours', 'client', ['-l', `127.0.0.1:${port}`, '-r', 'nosuch.invalid:4000']);
  await client.waitOutput(/re-connecting: lookup nosuch\.invalid: (not found|temporary failure in name resolution) \(attempt 2\)/, 15_000);
  assert.doesNotMatch(client.output(), /Port should be/);
  // the listener opens although no session could: connections wait for the name instead of being refused
  assert.ok(await canConnect(port), `the client does not accept on ${port}: ${client.tail()}`);
});

test('a client listens once its sessions are open: a port that accepts carries a request at once', async () => {
  const { client } = await pair(['--key', 'k', '--conn', '2'], ['--key', 'k']);
  // the port accepts as soon as listen(2) returns; the line follows in the listen callback, and the
  // pipe delivers it to this process some time after the connect that waitListening saw
  await client.waitOutput(/listening on/, 8000);
  const lines = client.output().split('\n');
  const listening = lines.findIndex((l) => /listening on/.test(l));
  const opened = lines.map((l, i) => (/connection: /.test(l) ? i : -1)).filter((i) => i >= 0);
  assert.equal(opened.length, 2, client.output());
  assert.ok(opened.every((i) => i < listening), client.output());
});

test('--log with an unusable path: exit code 2, one line; help client and client help print the client flags', () => {
  const r = spawnSync(process.execPath, [KCPTUNB_BIN, 'client', '-r', '127.0.0.1:1', '--log', '/nonexistent-dir/client.log'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^kcptunb: --log \/nonexistent-dir\/client\.log: cannot append to it/);
  assert.equal(r.stdout, '', 'nothing started');
  for (const args of [['help', 'client'], ['client', 'help']]) {
    const h = spawnSync(process.execPath, [KCPTUNB_BIN, ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(h.status, 0, `${args.join(' ')}: ${h.stderr}`);
    assert.match(h.stdout, /--conn/, args.join(' '));
    assert.doesNotMatch(h.stdout, /--target/, args.join(' '));
  }
});

test('unknown keys in -c are warned about once, with the file name', async () => {
  const dir = group.tempDir('kcptunb-diag-');
  const file = join(dir, 'client.json');
  const port = await freeTcpPort();
  writeFileSync(file, JSON.stringify({ localaddr: `127.0.0.1:${port}`, remoteaddr: '127.0.0.1:1', sndwind: 1024, target: 'x' }));
  const client = group.start('ours', 'client', ['-c', file]);
  await waitListening(port, 8000, () => client.output());
  const line = new RegExp(`config file ${file.replace(/[.]/g, '\\.')}: ignoring unknown keys "sndwind", "target"`);
  await client.waitOutput(/listening on/, 8000); // every start-up line is in by then
  assert.equal(count(client.output(), line), 1, client.output());
});

test('proxy modes log stream opened and closed on both sides', async () => {
  const { server, client, port } = await pair(['--ser', 'socks5'], ['--ser', 'fast']);
  const target = await group.echoServer();
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(target);
  const s = poke(port, Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1]), portBytes, Buffer.from('ping')]));
  let echoed = '';
  s.on('data', (d: Buffer) => (echoed += d.toString('latin1')));
  await waitFor(() => echoed.endsWith('ping'), 10_000, 'the echo through the proxy', { pollMs: 50 });
  s.end();
  await client.waitOutput(/stream closed in: 127\.0\.0\.1:\d+ out: .* to 127\.0\.0\.1:\d+/, 15_000);
  await server.waitOutput(new RegExp(`stream closed in: 127\\.0\\.0\\.1:\\d+ \\(3\\) out: 127\\.0\\.0\\.1:${target}`), 15_000);
  assert.equal(count(client.output(), /stream opened/), 1);
});
