/**
 * The library API in this process (docs/api.md): client.openStream() Duplexes over the tunnel to a
 * server's stream handler — 1,000 streams, 16 MiB with SHA-256, back-pressure, half-close —
 * session and stream events, stats(), close() that drains and FINs what is left, and option
 * errors that are the CLI's own messages.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ClientClosedError, createClient, createServer, type ClientOptions, type KcptunbClient, type KcptunbServer, type ServerOptions } from '@kcptunb/control';
import { freeUdpPort, KCPTUNB_BIN, Rng, waitFor } from '@kcptunb/testkit';

const MiB = 1 << 20;
const open: Array<KcptunbClient | KcptunbServer> = [];
after(() => Promise.all(open.splice(0).map((t) => t.close({ drainMs: 0 }))));

/**
 * A listening server on a free port. The port is free when picked but the machine is shared, so
 * another process may take it first: a few attempts (a server's listen takes no port 0, as --listen).
 */
async function listeningServer(options: Omit<ServerOptions, 'listen'>): Promise<{ server: KcptunbServer; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const server = createServer({ listen: `127.0.0.1:${await freeUdpPort()}`, ...options });
    open.push(server);
    try {
      return { server, port: (await server.listen()).port };
    } catch (e) {
      if (attempt === 5 || !/in use/i.test((e as Error).message)) throw e;
    }
  }
}

async function tunnel(server: Omit<ServerOptions, 'listen'>, client: Omit<ClientOptions, 'remoteaddr'> = {}) {
  const { server: s, port } = await listeningServer({ key: 'api test', ...server });
  const c = createClient({ remoteaddr: `127.0.0.1:${port}`, key: 'api test', ...client });
  open.push(c);
  await c.start();
  return { server: s, client: c };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const echo = (stream: Duplex) => stream.pipe(stream);

/** Write `data`, end (half-close), and collect what comes back until the peer ends. */
async function roundTrip(stream: Duplex, data: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  stream.on('data', (chunk: Buffer) => hash.update(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  stream.end(data);
  await ended;
  return hash.digest('hex');
}

function counter<T extends { on(e: string, f: () => void): unknown }>(emitter: T, event: string): { readonly n: number } {
  const c = { n: 0 };
  emitter.on(event, () => c.n++);
  return c;
}

test('1,000 concurrent streams from openStream(), each echoed by a handler and SHA-256 checked; events count them open and closed', { timeout: 120_000 }, async () => {
  const t = await tunnel({ handler: echo }, { conn: 2 });
  const serverOpened = counter(t.server, 'stream-open');
  const serverClosed = counter(t.server, 'stream-close');
  const clientOpened = counter(t.client, 'stream-open');
  const streamNames = new Set<string>();
  t.client.on('stream-open', (info) => streamNames.add(`${info.session.id}/${info.id}`));
  const clientClosed = counter(t.client, 'stream-close');
  const rng = new Rng(1000);
  const payloads = Array.from({ length: 1000 }, (_, i) => rng.fill(Buffer.alloc(512 + (i % 7) * 300)));
  const streams = await Promise.all(payloads.map(() => t.client.openStream()));
  assert.equal(streamNames.size, 1000, 'distinct (session, stream id) pairs');
  const digests = await Promise.all(streams.map((s, i) => roundTrip(s, payloads[i]!)));
  digests.forEach((d, i) => assert.equal(d, sha(payloads[i]!), `stream ${i}`));
  await waitFor(() => serverClosed.n === 1000 && clientClosed.n === 1000, 20_000, 'every stream closed on both sides', { diag: () => `server ${serverClosed.n}, client ${clientClosed.n}` });
  assert.equal(serverOpened.n, 1000);
  assert.equal(clientOpened.n, 1000);
  // both sessions carried streams (round-robin), and none is left open on either side
  const stats = await t.client.stats();
  assert.equal(stats.sessions.length, 2);
  await waitFor(async () => (await t.server.stats()).sessions.every((s) => s.openStreams === 0), 10_000, 'the server sessions without open streams');
  assert.ok(stats.sessions.every((s) => s.bytesSent > 0), 'both sessions carried bytes');
});

test('16 MiB each way through one stream, SHA-256 verified; a handler that answers after reading to EOF (half-close)', { timeout: 120_000 }, async () => {
  const t = await tunnel({
    handler: (stream) => {
      // the first byte picks the service: 'e' echo, 'd' digest of everything after it, sent after EOF
      stream.once('readable', () => {
        const first = stream.read(1) as Buffer | null;
        if (first?.toString() === 'e') return void echo(stream);
        const hash = createHash('sha256');
        stream.on('data', (chunk: Buffer) => hash.update(chunk));
        stream.on('end', () => stream.end(hash.digest('hex')));
      });
    },
  });
  const data = new Rng(16).fill(Buffer.alloc(16 * MiB));
  const echoed = await roundTrip(await t.client.openStream(), Buffer.concat([Buffer.from('e'), data]));
  assert.equal(echoed, sha(data), 'the 16 MiB after the service byte came back intact');

  const digestStream = await t.client.openStream();
  let answer = '';
  digestStream.setEncoding('utf8').on('data', (s: string) => (answer += s));
  const ended = new Promise((resolve) => digestStream.once('end', resolve));
  digestStream.end(Buffer.concat([Buffer.from('d'), data]));
  await ended;
  assert.equal(answer, sha(data));
});

test('back-pressure: a handler that does not read stops the writer with a bounded amount accepted; all of it arrives once it reads', { timeout: 120_000 }, async (ctx) => {
  let serverStream: Duplex | undefined;
  const t = await tunnel({ handler: (stream) => (serverStream = stream) });
  const total = 16 * MiB;
  const data = new Rng(48).fill(Buffer.alloc(total));
  const stream = await t.client.openStream();
  let written = 0;
  let blockedAt = 0;
  let lastProgress = Date.now();
  const pump = () => {
    while (written < total) {
      const n = Math.min(64 * 1024, total - written);
      const more = stream.write(data.subarray(written, written + n));
      written += n;
      lastProgress = Date.now();
      if (!more) return void (blockedAt = written);
    }
    stream.end();
  };
  stream.on('drain', pump);
  pump();
  await waitFor(() => serverStream !== undefined, 10_000, 'the handler to get the stream');
  // the writer stalls: no progress for a while, well short of the total
  await waitFor(() => Date.now() - lastProgress > 1000, 20_000, 'the writer to stall', { pollMs: 50 });
  assert.ok(blockedAt > 0, 'write() returned false');
  ctx.diagnostic(`accepted while nobody reads: ${(written / MiB).toFixed(2)} MiB`);
  // measured 0.9 MiB: the Duplex, --pipebuf, the rings, KCP's windows and the peer's --streambuf before it pauses the stream
  assert.ok(written <= 4 * MiB, `${(written / MiB).toFixed(1)} MiB accepted while nobody reads (bounded by the stream, session and KCP buffers)`);
  const hash = createHash('sha256');
  let received = 0;
  const done = new Promise<void>((resolve) => serverStream!.on('end', resolve));
  serverStream!.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
  });
  await done;
  assert.equal(received, total);
  assert.equal(hash.digest('hex'), sha(data));
});

test('session events on both sides; close() lets a stream finish, FINs one that does not end in drainMs, and stops openStream()', { timeout: 120_000 }, async () => {
  const serverEnds: string[] = [];
  const { server: s, port } = await listeningServer({
    key: 'drain test',
    handler: (stream) => {
      stream.resume();
      stream.on('end', () => serverEnds.push('end'));
    },
  });
  // the client opens its sessions after this listener is attached
  const serverSessions = counter(s, 'session-open');
  const c = createClient({ remoteaddr: `127.0.0.1:${port}`, key: 'drain test', conn: 3 });
  open.push(c);
  const clientSessions = counter(c, 'session-open');
  const clientSessionsClosed = counter(c, 'session-close');
  const idle = await c.openStream();
  idle.write('never ends');
  const idleClosed = new Promise<Error | undefined>((resolve) => {
    idle.once('error', resolve);
    idle.once('close', () => resolve(undefined));
  });
  assert.equal(clientSessions.n, 3, 'conn: 3 sessions opened at start');
  await waitFor(() => serverSessions.n === 3, 10_000, 'the server to see the three sessions');
  const t0 = Date.now();
  await c.close({ drainMs: 400 });
  const took = Date.now() - t0;
  assert.ok(took >= 400, `close() waited for the drain (${took} ms)`);
  assert.ok(took < 5000, `and not much longer (${took} ms)`);
  assert.equal(await idleClosed, undefined, 'the idle Duplex closed without an error');
  assert.equal(clientSessionsClosed.n, 3);
  await waitFor(() => serverEnds.length === 1, 10_000, 'the server stream to read the FIN');
  await assert.rejects(c.openStream(), ClientClosedError);
});

test('option errors are the CLI\'s messages; wrong types and unknown options are ConfigErrors too', { timeout: 60_000 }, () => {
  const cases: Array<{ side: 'client' | 'server'; options: Record<string, unknown>; argv: string[] }> = [
    { side: 'client', options: { mtu: 9000 }, argv: ['--mtu', '9000'] },
    { side: 'server', options: { crypt: 'rot13' }, argv: ['--crypt', 'rot13'] },
    { side: 'client', options: { mode: 'turbo' }, argv: ['--mode', 'turbo'] },
    { side: 'client', options: { localaddr: 'nowhere' }, argv: ['--localaddr', 'nowhere'] },
    { side: 'server', options: { target: '127.0.0.1:0' }, argv: ['--target', '127.0.0.1:0'] },
    { side: 'client', options: { conn: 0 }, argv: ['--conn', '0'] },
    { side: 'server', options: { datashard: 300 }, argv: ['--datashard', '300'] },
    { side: 'client', options: { smuxver: 3 }, argv: ['--smuxver', '3'] },
    { side: 'client', options: { smuxver: 2, keepalivems: 5 }, argv: ['--smuxver', '2', '--keepalivems', '5'] },
    { side: 'server', options: { ser: 'socks5' }, argv: ['--ser', 'socks5'] },
    { side: 'client', options: { log: '/nonexistent-dir/x.log' }, argv: ['--log', '/nonexistent-dir/x.log'] },
  ];
  for (const { side, options, argv } of cases) {
    const cli = spawnSync(process.execPath, [KCPTUNB_BIN, side, ...argv], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, KCPTUN_KEY: '' } });
    assert.equal(cli.status, 2, `${side} ${argv.join(' ')}: ${cli.stderr}`);
    const create = side === 'client' ? () => createClient(options) : () => createServer(options);
    assert.throws(create, (e: Error & { code?: string }) => {
      assert.equal(e.name, 'ConfigError');
      assert.equal(e.code, 'ERR_CONFIG');
      assert.equal(`kcptunb: ${e.message}\n`, cli.stderr, `${side} ${JSON.stringify(options)}`);
      return true;
    });
  }
  assert.throws(() => createClient({ sndwnd: '128' as unknown as number }), { name: 'ConfigError', message: 'invalid value "128" for option sndwnd: not an integer' });
  assert.throws(() => createClient({ nocomp: 1 as unknown as boolean }), { name: 'ConfigError', message: 'invalid value 1 for option nocomp: not a boolean' });
  assert.throws(() => createClient({ target: '127.0.0.1:1' } as ClientOptions), { name: 'ConfigError', message: 'unknown option "target" (not a client option)' });
  assert.throws(() => createServer({ target: '127.0.0.1:1', handler: echo }), { name: 'ConfigError' });
});
