/** --pprof on a real server: the profiles, a loopback-only bind, and a busy port that costs the profiler, not the tunnel. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { createServer, type Server } from 'node:net';
import { canConnect, echoTransfer, freeTcpPort, freeUdpPort, ProcessGroup, startTunnel, waitFor, waitListening } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

interface AllocNode {
  selfSize: number;
  children: AllocNode[];
}
const allocatedBytes = (n: AllocNode): number => n.children.reduce((a, c) => a + allocatedBytes(c), n.selfSize);

/** A client of the server on `udp`: its TCP port, once it accepts. */
async function clientOf(udp: number): Promise<number> {
  const port = await freeTcpPort();
  const client = group.start('ours', 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udp}`, '--quiet']);
  await waitListening(port, 8000, () => client.output());
  return port;
}

/** The URL the server logged for its profiler. */
function pprofUrl(output: string): URL | undefined {
  const m = /pprof: (http:\/\/\S+)/.exec(output);
  return m ? new URL(m[1]!) : undefined;
}

test('--pprof ADDR serves a CPU profile, an allocation profile and a heap snapshot on that address only', async () => {
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, '--pprof', '127.0.0.1:0', '--quiet']);
  await waitFor(() => pprofUrl(server.output()) !== undefined, 8000, 'the pprof listener');
  const url = pprofUrl(server.output())!;
  assert.equal(url.hostname, '127.0.0.1', server.output());
  const port = Number(url.port);
  assert.ok(port > 0);
  assert.match(server.output(), /pprof: http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/ \(the heap snapshot holds the key\)/);
  // bound to 127.0.0.1 itself, not every interface: another loopback address is refused
  assert.equal(await canConnect(port, '127.0.0.1'), true);
  assert.equal(await canConnect(port, '127.0.0.2'), false, 'the profiler must not listen on every interface');
  const index = await httpGet(`http://127.0.0.1:${port}/debug/pprof/`, 5000);
  assert.match(index.body, /profile\?seconds/);
  const profile = await httpGet(`http://127.0.0.1:${port}/debug/pprof/profile?seconds=1`, 10_000);
  const parsed = JSON.parse(profile.body) as { nodes: unknown[]; startTime: number };
  assert.ok(Array.isArray(parsed.nodes) && parsed.nodes.length > 0);
  // a transfer during the window: what the TCP path allocated and GC collected is in the profile
  const client = await clientOf(udp);
  const [allocs] = await Promise.all([httpGet(`http://127.0.0.1:${port}/debug/pprof/allocs?seconds=2`, 15_000), echoTransfer(client, 4 << 20, 20_000)]);
  const sampled = JSON.parse(allocs.body) as { head: AllocNode; samples: unknown[] };
  assert.ok(sampled.samples.length > 0, 'allocation samples');
  console.log(`# allocated on the server's control thread during a 4 MiB echo: ${allocatedBytes(sampled.head)} bytes in ${sampled.samples.length} samples`);
  assert.ok(allocatedBytes(sampled.head) > 256 << 10, `a 4 MiB echo allocates more than 256 KiB on the control thread (about 1 MB measured): ${allocatedBytes(sampled.head)}`);
  const heap = await httpGet(`http://127.0.0.1:${port}/debug/pprof/heap`, 30_000);
  assert.match(heap.body.slice(0, 20), /^\{"snapshot":/);
});

test('a busy --pprof port is one log line; the tunnel starts and carries data', async () => {
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  group.track(busy);
  const port = (busy.address() as { port: number }).port;
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target, {}, [], ['--pprof', `127.0.0.1:${port}`]);
  await waitFor(() => /pprof: cannot listen/.test(t.server.output()), 8000, 'the pprof failure line');
  const lines = t.server.output().split('\n').filter((l) => l.includes('pprof'));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, new RegExp(`pprof: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); running without profiling$`));
  const r = await echoTransfer(t.port, 1 << 20, 20_000);
  assert.equal(r.bytes, 1 << 20);
  assert.equal(t.server.child.exitCode, null, 'the server is still running');
});

test('upstream\'s client --pprof (kcptun dialect): the client serves the same profiler while it tunnels', async () => {
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--pprof', '127.0.0.1:0'], ['--dialect', 'kcptun']);
  await waitFor(() => pprofUrl(t.client.output()) !== undefined, 8000, 'the client\'s pprof listener');
  assert.match(t.client.output(), /flag dialect: kcptun/);
  const url = pprofUrl(t.client.output())!;
  assert.equal(url.hostname, '127.0.0.1');
  const r = await httpGet(new URL('profile?seconds=1', url).toString(), 15_000);
  assert.equal(r.status, 200);
  assert.ok(JSON.parse(r.body).nodes.length > 0, 'a V8 CPU profile');
  await echoTransfer(t.port, 64 * 1024, 10_000);
  await t.stop();
});
