/**
 * @kcptunb/sockopt (docs/protocol.md §7.1/§7.2): TFO and DSCP options read back from the sockets with
 * getsockopt.
 *
 * - DSCP: IP_TOS on a bound udp4 socket (dscp 46 → TOS 184), IPV6_TCLASS on udp6 (::1 if present).
 * - TCP_FASTOPEN on a listening server, read back.
 * - connectFastOpen: echo round trip, TCP_FASTOPEN_CONNECT reads back 1, a closed port gives a
 *   bounded error (a rejection or an 'error' event), bad fds give typed errors.
 * - In a private network namespace (root + unshare; required on Linux, as CI runs as root) with
 *   net.ipv4.tcp_fastopen=3: the deferred-SYN path with data in the SYN (TCPI_OPT_SYN_DATA),
 *   ECONNREFUSED surfacing after the first write, and the connect timeout against a blackhole
 *   (veth neighbour that never answers) on both the in-progress and the deferred path.
 *
 * The host's net.ipv4.tcp_fastopen is read and reported; the options must be set and readable
 * whatever it is. Linux only: elsewhere the unsupported results are checked instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  SockoptError,
  TcpState,
  connectFastOpen,
  constants,
  enableTcpFastOpenListen,
  fdOf,
  getIntSockopt,
  getIpTos,
  getIpv6Tclass,
  getTcpFastOpen,
  getTcpFastOpenConnect,
  readTcpFastOpenSysctl,
  setDscp,
  setIntSockopt,
  sockoptSupport,
  tcpInfo,
} from '@kcptunb/sockopt';

const linux = process.platform === 'linux';
/** These options exist only on Linux; elsewhere the addon reports 'unsupported' (tested separately). */
const LINUX_ONLY = { skip: linux ? false : 'Linux-only socket options (IP_TOS, TCP_FASTOPEN)' };

function bindUdp(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(type);
    s.once('error', reject);
    s.bind(0, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
const closeUdp = (s: dgram.Socket) => new Promise<void>((r) => s.close(() => r()));

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}
const closeServer = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

function echoServer(): net.Server {
  return net.createServer((c) => {
    c.on('error', () => {});
    c.pipe(c);
  });
}

/** Rejects after ms: every wait in this file is bounded. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms (hang)`)), ms);
    }),
  ]);
}

test('addon loads on Linux; net.ipv4.tcp_fastopen reported', async (t) => {
  const support = sockoptSupport();
  const sysctl = await readTcpFastOpenSysctl();
  t.diagnostic(`platform ${process.platform}; addon ${support.supported ? 'loaded' : `unsupported: ${support.reason}`}`);
  t.diagnostic(
    `net.ipv4.tcp_fastopen = ${sysctl ?? 'unreadable'}` +
      (sysctl === undefined ? '' : ` (client bit 1: ${sysctl & 1 ? 'on' : 'off'}, server bit 2: ${sysctl & 2 ? 'on' : 'off'})`),
  );
  if (linux) assert.equal(support.supported, true, support.reason);
  else assert.equal(support.supported, false);
});

test('DSCP: IP_TOS on a bound udp4 socket reads back dscp << 2', LINUX_ONLY, async () => {
  const s = await bindUdp('udp4', '127.0.0.1');
  try {
    const r = setDscp(s, 46);
    assert.equal(r.ok, true, r.error?.message ?? (r.ipTos && !r.ipTos.ok ? r.ipTos.error.message : ''));
    assert.equal(r.family, 4);
    assert.deepEqual(r.ipTos, { ok: true });
    assert.equal(r.ipv6Tclass, undefined);
    assert.equal(getIpTos(s), 184);
    assert.equal(setDscp(s, 0).ok, true);
    assert.equal(getIpTos(s), 0);
    assert.equal(setDscp(s, 63).ok, true);
    assert.equal(getIpTos(s), 252);
    // and the socket still works
    const got = new Promise<string>((resolve) => s.once('message', (m) => resolve(m.toString())));
    s.send('tos', s.address().port, '127.0.0.1');
    assert.equal(await bounded(got, 2000, 'udp self-send'), 'tos');
  } finally {
    await closeUdp(s);
  }
});

test('DSCP: IPV6_TCLASS (dscp << 2) and IP_TOS on a udp6 socket', LINUX_ONLY, async (t) => {
  let s: dgram.Socket;
  try {
    s = await bindUdp('udp6', '::1');
  } catch (e) {
    t.skip(`no IPv6 loopback: ${(e as Error).message}`);
    return;
  }
  try {
    const r = setDscp(s, 46);
    assert.equal(r.family, 6);
    assert.equal(r.ok, true);
    assert.deepEqual(r.ipv6Tclass, { ok: true });
    assert.equal(getIpv6Tclass(s), 46 << 2);
    t.diagnostic(`IP_TOS on the udp6 socket: ${r.ipTos?.ok ? `set, reads ${getIpTos(s)}` : `refused (${r.ipTos && !r.ipTos.ok ? r.ipTos.error.code : '?'})`}`);
    if (r.ipTos?.ok) assert.equal(getIpTos(s), 184);
  } finally {
    await closeUdp(s);
  }
});

test('DSCP: unbound socket, bad values and closed sockets give typed results, not throws', LINUX_ONLY, async () => {
  const unbound = dgram.createSocket('udp4');
  assert.equal(fdOf(unbound), undefined);
  const r = setDscp(unbound, 46);
  assert.equal(r.ok, false);
  assert.ok(r.error instanceof SockoptError);
  assert.equal(r.error.code, 'ENOFD');
  unbound.close();

  const s = await bindUdp('udp4', '127.0.0.1');
  assert.equal(typeof fdOf(s), 'number');
  for (const bad of [64, -1, 1.5, Number.NaN]) {
    const b = setDscp(s, bad);
    assert.equal(b.ok, false);
    assert.equal(b.error?.code, 'ERR_ARG', `dscp ${bad}`);
  }
  await closeUdp(s);
  assert.equal(fdOf(s), undefined);
  assert.equal(setDscp(s, 46).error?.code, 'ENOFD');
  assert.throws(() => getIpTos(s), (e: unknown) => e instanceof SockoptError && e.code === 'ENOFD');
});

test('TCP_FASTOPEN on a listening server reads back the queue length', LINUX_ONLY, async () => {
  const server = net.createServer();
  assert.equal(enableTcpFastOpenListen(server).ok, false, 'not listening yet: no fd');
  await listen(server);
  try {
    assert.equal(getTcpFastOpen(server), 0);
    assert.deepEqual(enableTcpFastOpenListen(server), { ok: true });
    assert.equal(getTcpFastOpen(server), 1);
    assert.deepEqual(enableTcpFastOpenListen(server, 256), { ok: true });
    assert.equal(getTcpFastOpen(server), 256);
    const bad = enableTcpFastOpenListen(server, -1);
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'ERR_ARG');
  } finally {
    await closeServer(server);
  }
});

test('connectFastOpen: echo round trip, TCP_FASTOPEN_CONNECT reads back 1', LINUX_ONLY, async (t) => {
  const server = echoServer();
  const port = await listen(server);
  enableTcpFastOpenListen(server);
  const warnings: SockoptError[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const sock = await bounded(connectFastOpen('127.0.0.1', port, 2000, { onWarning: (w) => warnings.push(w) }), 5000, 'connectFastOpen');
      try {
        assert.ok(sock instanceof net.Socket);
        assert.equal(getTcpFastOpenConnect(sock), 1);
        assert.equal(getIntSockopt(fdOf(sock)!, constants.IPPROTO_TCP, constants.TCP_FASTOPEN_CONNECT), 1);
        const before = tcpInfo(sock);
        const deferred = before.state === TcpState.SYN_SENT && before.segsOut === 0;
        const payload = Buffer.from(`hello ${i} `.repeat(100));
        const echoed = new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          let n = 0;
          sock.on('data', (d: Buffer) => {
            chunks.push(d);
            n += d.length;
            if (n >= payload.length) resolve(Buffer.concat(chunks));
          });
          sock.once('error', reject);
        });
        sock.write(payload);
        assert.deepEqual(await bounded(echoed, 5000, 'echo'), payload);
        const after = tcpInfo(sock);
        assert.equal(after.state, TcpState.ESTABLISHED);
        t.diagnostic(`dial ${i}: ${deferred ? 'SYN deferred to the first write' : 'connect in progress (no TFO cookie)'}; SYN carried data: ${after.synData}`);
        const closed = new Promise<void>((r) => sock.once('close', () => r()));
        sock.end();
        await bounded(closed, 5000, 'close');
      } finally {
        sock.destroy();
      }
    }
    assert.deepEqual(warnings, []);
  } finally {
    await closeServer(server);
  }
});

test('connectFastOpen to a closed port: bounded error, as a rejection or an error event', LINUX_ONLY, async (t) => {
  const tmp = net.createServer();
  const port = await listen(tmp);
  await closeServer(tmp);
  const started = Date.now();
  let outcome: string;
  try {
    const sock = await bounded(connectFastOpen('127.0.0.1', port, 2000), 5000, 'connectFastOpen');
    // deferred SYN: the refusal surfaces after the first write
    outcome = await bounded(
      new Promise<string>((resolve) => {
        sock.once('error', (e: NodeJS.ErrnoException) => resolve(`error event ${e.code}`));
        sock.write('x');
      }),
      5000,
      'error event',
    );
    sock.destroy();
    assert.match(outcome, /ECONNREFUSED/);
  } catch (e) {
    assert.ok(e instanceof SockoptError, String(e));
    assert.equal(e.code, 'ECONNREFUSED');
    outcome = `rejected ${e.code}`;
  }
  t.diagnostic(`${outcome} after ${Date.now() - started} ms`);
});

test('connectFastOpen argument errors are typed', LINUX_ONLY, async () => {
  await assert.rejects(connectFastOpen('127.0.0.1', 70000), (e: unknown) => e instanceof SockoptError && e.code === 'ERR_ARG');
  await assert.rejects(connectFastOpen('127.0.0.1', 1, -5), (e: unknown) => e instanceof SockoptError && e.code === 'ERR_ARG');
});

test('bad fds and options give typed errors, not crashes', LINUX_ONLY, async () => {
  const isErr = (code: string) => (e: unknown) => e instanceof SockoptError && e.code === code;
  assert.throws(() => setIntSockopt(987654, constants.IPPROTO_IP, constants.IP_TOS, 184), isErr('EBADF'));
  assert.throws(() => getIntSockopt(987654, constants.IPPROTO_IP, constants.IP_TOS), isErr('EBADF'));
  assert.throws(() => getIntSockopt(-1, 0, 1), isErr('ERR_ARG'));
  assert.throws(() => setIntSockopt(3.5, 0, 1, 0), isErr('ERR_ARG'));
  assert.throws(() => setIntSockopt(0, 0, 1, 2 ** 40), isErr('ERR_ARG'));
  assert.throws(() => getIntSockopt('3' as unknown as number, 0, 1), isErr('ERR_ARG'));
  const file = fs.openSync(process.execPath, 'r');
  try {
    assert.throws(() => getIntSockopt(file, constants.IPPROTO_IP, constants.IP_TOS), isErr('ENOTSOCK'));
  } finally {
    fs.closeSync(file);
  }
  const s = await bindUdp('udp4', '127.0.0.1');
  try {
    // a TCP option on a UDP socket
    assert.throws(() => getIntSockopt(fdOf(s)!, constants.IPPROTO_TCP, constants.TCP_FASTOPEN), (e: unknown) => {
      assert.ok(e instanceof SockoptError);
      assert.equal(typeof e.errno, 'number');
      assert.match(e.code, /^E[A-Z]+$/);
      return true;
    });
  } finally {
    await closeUdp(s);
  }
});

const UNSUPPORTED_CHILD = `
import net from 'node:net';
import dgram from 'node:dgram';
const m = await import(process.env.SOCKOPT_URL);
const out = { support: m.sockoptSupport() };
const u = dgram.createSocket('udp4');
await new Promise((r) => u.bind(0, '127.0.0.1', r));
const d = m.setDscp(u, 46);
out.dscp = { ok: d.ok, code: d.error && d.error.code, unsupported: d.error && d.error.unsupported };
u.close();
try { m.getIntSockopt(0, 0, 1); out.get = 'no throw'; } catch (e) { out.get = { name: e.name, code: e.code, unsupported: e.unsupported }; }
const srv = net.createServer((c) => c.pipe(c));
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const l = m.enableTcpFastOpenListen(srv);
out.listen = { ok: l.ok, unsupported: l.error && l.error.unsupported };
const warnings = [];
const s = await m.connectFastOpen('127.0.0.1', srv.address().port, 2000, { onWarning: (w) => warnings.push(w.code) });
out.warnings = warnings;
out.echo = await new Promise((r) => { s.once('data', (b) => r(b.toString())); s.write('plain'); });
s.destroy();
srv.close();
try { await m.connectFastOpen('127.0.0.1', 1, 2000); out.refused = 'resolved'; } catch (e) { out.refused = { name: e.name, code: e.code }; }
console.log(JSON.stringify(out));
`;

test('unsupported (non-Linux, or KCPTUNB_SOCKOPT_DISABLE=1): typed results, one warning, plain dial', (t) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', UNSUPPORTED_CHILD], {
    env: { ...process.env, SOCKOPT_URL: import.meta.resolve('@kcptunb/sockopt'), KCPTUNB_SOCKOPT_DISABLE: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.diagnostic(JSON.stringify(out));
  assert.equal(out.support.supported, false);
  assert.deepEqual(out.dscp, { ok: false, code: 'UNSUPPORTED', unsupported: true });
  assert.deepEqual(out.get, { name: 'SockoptError', code: 'UNSUPPORTED', unsupported: true });
  assert.deepEqual(out.listen, { ok: false, unsupported: true });
  assert.deepEqual(out.warnings, ['UNSUPPORTED']);
  assert.equal(out.echo, 'plain');
  assert.deepEqual(out.refused, { name: 'SockoptError', code: 'ECONNREFUSED' });
});

// ---------------------------------------------------------------------------------------------
// Deferred SYN, data in the SYN, refusal after the first write, and timeouts: in a private
// network namespace whose tcp_fastopen we may set (per-netns sysctl), so the host is untouched.

const NETNS_SETUP = `
set -u
ip link set lo up && echo 3 > /proc/sys/net/ipv4/tcp_fastopen || exit 77
if ip link add v0 type veth peer name v1 2>/dev/null && ip addr add 10.9.9.1/24 dev v0 && ip link set v0 up && ip link set v1 up \
   && ip neigh replace 10.9.9.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent; then export BLACKHOLE=10.9.9.2; fi
exec "$0" --input-type=module -e "$1"
`;

const NETNS_CHILD = `
import net from 'node:net';
import fs from 'node:fs';
const m = await import(process.env.SOCKOPT_URL);
const out = { sysctl: fs.readFileSync('/proc/sys/net/ipv4/tcp_fastopen', 'utf8').trim() };
const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(s.address().port)));
const guard = (ms) => new Promise((r) => setTimeout(() => r('hang'), ms).unref());
const echo = net.createServer((c) => { c.on('error', () => {}); c.pipe(c); });
const port = await listen(echo);
out.listen = m.enableTcpFastOpenListen(echo, 16).ok;
out.dials = [];
for (let i = 0; i < 3; i++) {
  const s = await m.connectFastOpen('127.0.0.1', port, 2000);
  const before = m.tcpInfo(s);
  const data = await Promise.race([new Promise((r) => { s.once('data', (d) => r(d.toString())); s.write('ping' + i); }), guard(3000)]);
  const after = m.tcpInfo(s);
  out.dials.push({ tfoConnect: m.getTcpFastOpenConnect(s), deferred: before.state === 2 && before.segsOut === 0, data, synData: after.synData });
  s.destroy();
}
echo.close();
const tmp = net.createServer();
const closedPort = await listen(tmp);
await new Promise((r) => tmp.close(r));
{
  const s = await m.connectFastOpen('127.0.0.1', closedPort, 2000);
  const before = m.tcpInfo(s);
  out.refused = { deferred: before.state === 2 && before.segsOut === 0 };
  const t0 = Date.now();
  out.refused.event = await Promise.race([new Promise((r) => { s.once('error', (e) => r(e.code)); s.write('x'); }), guard(3000)]);
  out.refused.ms = Date.now() - t0;
  s.destroy();
}
if (process.env.BLACKHOLE) {
  const t0 = Date.now();
  try { (await m.connectFastOpen(process.env.BLACKHOLE, 9, 300)).destroy(); out.blackholeInProgress = { code: 'resolved' }; }
  catch (e) { out.blackholeInProgress = { code: e.code, ms: Date.now() - t0 }; }
  fs.writeFileSync('/proc/sys/net/ipv4/tcp_fastopen', '7'); // 4 = TFO without a cookie: connect always defers
  const s = await m.connectFastOpen(process.env.BLACKHOLE, 9, 300);
  const before = m.tcpInfo(s);
  const t1 = Date.now();
  const code = await Promise.race([new Promise((r) => { s.once('error', (e) => r(e.code)); s.write('x'); }), guard(3000)]);
  out.blackholeDeferred = { deferred: before.state === 2 && before.segsOut === 0, code, ms: Date.now() - t1 };
  s.destroy();
}
console.log(JSON.stringify(out));
`;

test('TFO in a private netns (tcp_fastopen=3): deferred SYN with data, refusal after write, timeouts', LINUX_ONLY, (t) => {
  // CI runs the suite as root on Linux: a missing namespace or veth is a failure there, not a skip
  assert.equal(process.getuid?.(), 0, 'the TFO namespace checks need root (unshare -n); run the suite as root');
  const r = spawnSync('unshare', ['-n', 'sh', '-c', NETNS_SETUP, process.execPath, NETNS_CHILD], {
    env: { ...process.env, SOCKOPT_URL: import.meta.resolve('@kcptunb/sockopt') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.ifError(r.error);
  assert.notEqual(r.status, 77, `the namespace's loopback or net.ipv4.tcp_fastopen=3 could not be set up: ${r.stderr.trim()}`);
  assert.equal(r.status, 0, `unshare -n or the child failed: ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.diagnostic(JSON.stringify(out));
  assert.equal(out.listen, true);
  const dials = out.dials as { tfoConnect: number; deferred: boolean; data: string; synData: boolean }[];
  dials.forEach((d, i) => {
    assert.equal(d.tfoConnect, 1);
    assert.equal(d.data, `ping${i}`);
  });
  // first contact fetches the cookie with a normal handshake; later dials defer the SYN and
  // send the first write's data in it, acknowledged by the TFO listener
  assert.equal(dials[0]!.deferred, false);
  assert.equal(dials[1]!.deferred, true);
  assert.equal(dials[1]!.synData, true);
  assert.equal(dials[2]!.synData, true);
  // with the cookie cached for 127.0.0.1 the refused dial also defers, and fails on the write
  assert.equal(out.refused.deferred, true);
  assert.equal(out.refused.event, 'ECONNREFUSED');
  // the connect timeout against a neighbour that never answers (a veth pair in the namespace)
  assert.ok(out.blackholeInProgress && out.blackholeDeferred, 'the veth blackhole could not be set up (ip link add v0 type veth peer name v1)');
  assert.equal(out.blackholeInProgress.code, 'ETIMEDOUT');
  assert.ok(out.blackholeInProgress.ms >= 250 && out.blackholeInProgress.ms < 2000, `in-progress timeout took ${out.blackholeInProgress.ms} ms`);
  assert.equal(out.blackholeDeferred.deferred, true);
  assert.equal(out.blackholeDeferred.code, 'ETIMEDOUT');
  assert.ok(out.blackholeDeferred.ms >= 250 && out.blackholeDeferred.ms < 2000, `deferred timeout took ${out.blackholeDeferred.ms} ms`);
});
