/**
 * The built-in proxy end to end with real clients: Debian's curl through
 * kcptunb client (--ser socks5 / --ser http) ↔ kcptunb server (--ser fast) to a
 * local HTTP server; CONNECT too; and the failure replies.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { freeTcpPort, freeUdpPort, ProcessGroup, waitListening, which } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

function curl(args: string[]): Promise<{ code: number; out: string }> {
  const bin = which('curl');
  if (!bin) throw new Error('curl not found: apt-get install -y curl (the proxy tests never skip)');
  return new Promise((resolve) => {
    execFile(bin, ['-s', '--max-time', '10', ...args], (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
  });
}

async function setup() {
  const web = createServer((req, res) => res.end(`hello ${req.method} ${req.url}`));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  group.track(web as unknown as import('node:net').Server);
  const webPort = (web.address() as { port: number }).port;
  const udp = await freeUdpPort();
  const socksPort = await freeTcpPort();
  const httpPort = await freeTcpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', '127.0.0.1:1', '--ser', 'fast', '--quiet']);
  await server.waitOutput(/listening on/, 8000);
  const socks = group.start('ours', 'client', ['-l', `127.0.0.1:${socksPort}`, '-r', `127.0.0.1:${udp}`, '--ser', 'socks5', '--quiet']);
  const http = group.start('ours', 'client', ['-l', `127.0.0.1:${httpPort}`, '-r', `127.0.0.1:${udp}`, '--ser', 'http', '--quiet']);
  await waitListening(socksPort, 8000, () => socks.output());
  await waitListening(httpPort, 8000, () => http.output());
  return { webPort, socksPort, httpPort };
}

test('curl through --ser socks5 ↔ --ser fast: IPv4, remotely resolved names, refused targets', async () => {
  const { webPort, socksPort } = await setup();
  for (const [flag, host] of [['--socks5', '127.0.0.1'], ['--socks5-hostname', 'localhost'], ['--socks5-hostname', '127.0.0.1']]) {
    const r = await curl([flag!, `127.0.0.1:${socksPort}`, `http://${host}:${webPort}/x`]);
    assert.equal(r.out, 'hello GET /x', `${flag} ${host}`);
  }
  const refused = await curl(['--socks5-hostname', `127.0.0.1:${socksPort}`, 'http://127.0.0.1:1/']);
  assert.equal(refused.code, 97, 'curl reports the SOCKS reply failure');
});

test('curl through --ser http ↔ --ser fast: absolute-form GET, CONNECT, and a 502 when the tunnel cannot connect', async () => {
  const { webPort, httpPort } = await setup();
  const get = await curl(['-x', `http://127.0.0.1:${httpPort}`, `http://127.0.0.1:${webPort}/plain`]);
  assert.equal(get.out, 'hello GET /plain', 'the origin gets origin form');
  const tunnel = await curl(['-p', '-x', `http://127.0.0.1:${httpPort}`, `http://localhost:${webPort}/tunnelled`]);
  assert.equal(tunnel.out, 'hello GET /tunnelled');
  const bad = await curl(['-i', '-x', `http://127.0.0.1:${httpPort}`, 'http://127.0.0.1:1/']);
  assert.match(bad.out, /^HTTP\/1\.1 502 Bad Gateway/);
});

/**
 * An origin that, like a strict server, refuses absolute-form targets (400) and reports what it
 * saw: the request target, Proxy-* headers, and which of its TCP connections carried the request.
 * (Python's http.server answers absolute form with 404 but speaks HTTP/1.0 without keep-alive,
 * so it cannot show the second request on a kept-alive connection.)
 */
async function strictOrigin() {
  const connections = new Map<object, number>();
  const seen: string[] = [];
  const web = createServer((req, res) => {
    if (!connections.has(req.socket)) connections.set(req.socket, connections.size + 1);
    const proxyHeaders = Object.keys(req.headers).filter((h) => h.startsWith('proxy-'));
    const line = `${req.method} ${req.url} host=${req.headers.host} conn=${connections.get(req.socket)} proxy-headers=[${proxyHeaders.join(',')}]`;
    seen.push(line);
    res.statusCode = /^[a-z]+:\/\//i.test(req.url ?? '') ? 400 : 200;
    res.end(`${res.statusCode} ${line}\n`);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  group.track(web as unknown as import('node:net').Server);
  return { port: (web.address() as { port: number }).port, seen };
}

test('curl -x through --ser http ↔ --ser fast: two URLs on one kept-alive connection, both in origin form, no Proxy-* headers', async () => {
  const { httpPort } = await setup();
  const origin = await strictOrigin();
  const base = `http://127.0.0.1:${origin.port}`;
  const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '--proxy-user', 'u:p', '-H', 'Proxy-Connection: keep-alive', `${base}/first?a=1`, `${base}/second`]);
  assert.equal(r.code, 0, r.out);
  const expected = [
    `GET /first?a=1 host=127.0.0.1:${origin.port} conn=1 proxy-headers=[]`,
    `GET /second host=127.0.0.1:${origin.port} conn=1 proxy-headers=[]`,
  ];
  assert.deepEqual(origin.seen, expected, 'one origin connection (curl reused the proxy connection), both rewritten');
  assert.equal(r.out, expected.map((l) => `200 ${l}\n`).join(''));
});

test('socks5 greeting and request pipelined in one TCP segment work; a malformed request gets its reply code', async () => {
  const { webPort, socksPort } = await setup();
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const s = connect(socksPort, '127.0.0.1', () => {
      const port = Buffer.alloc(2);
      port.writeUInt16BE(webPort);
      // greeting + CONNECT 127.0.0.1:webPort + an HTTP request, all in one write
      s.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1]), port, Buffer.from('GET /pipelined HTTP/1.0\r\n\r\n')]));
    });
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
  assert.deepEqual([...reply.subarray(0, 12)], [5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.match(reply.subarray(12).toString(), /hello GET \/pipelined$/);
  const bad = await new Promise<Buffer>((resolve, reject) => {
    const s = connect(socksPort, '127.0.0.1', () => s.write(Buffer.from([5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80]))); // BIND
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
  assert.deepEqual([...bad], [5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0], 'BIND → REP 07, then close');
});
