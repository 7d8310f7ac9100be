/**
 * Interop with Debian's kcptun (the judge), both pairings: our client ↔
 * kcptun-server and kcptun-client ↔ our server. Our side runs kcptunB's
 * stock-compatible recipe (docs/protocol.md §8.3): --streambuf-en=0 and --keepalivems 20000.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sleep, concurrentEchoes, echoOn, echoTransfer, ProcessGroup, startTunnel, type Impl, type TunnelFlags } from '@kcptunb/testkit';

const MiB = 1 << 20;
const COMPAT = ['--streambuf-en=0', '--keepalivems', '20000'];
const group = new ProcessGroup();
after(() => group.cleanup());

const pairings: Array<[Impl, Impl]> = [
  ['ours', 'kcptun'],
  ['kcptun', 'ours'],
];

for (const [clientImpl, serverImpl] of pairings) {
  for (const flags of [{ crypt: 'aes' }, { crypt: 'salsa20' }, { crypt: 'none', nocomp: true }] as TunnelFlags[]) {
    const label = `${clientImpl} client ↔ ${serverImpl} server, --crypt ${flags.crypt}${flags.nocomp ? ' --nocomp' : ''}, FEC 10/3`;
    test(`${label}: 20 MiB each way and 100 concurrent streams, SHA-256 verified`, async () => {
      const echo = await group.echoTarget();
      const t = await startTunnel(group, clientImpl, serverImpl, echo.port, { ...flags, extra: COMPAT });
      const s0 = echo.stats();
      const big = await echoTransfer(t.port, 20 * MiB, 120_000);
      const s1 = echo.stats();
      assert.deepEqual([s1.dataConnections - s0.dataConnections, s1.bytes - s0.bytes], [1, 20 * MiB], 'one stream, every byte reached the target exactly once');
      await concurrentEchoes(t.port, 100, 64 * 1024, 90_000);
      const s2 = echo.stats();
      assert.deepEqual([s2.dataConnections - s1.dataConnections, s2.bytes - s1.bytes], [100, 100 * 64 * 1024], 'one target connection per stream, every byte once');
      console.log(`# ${label}: 20 MiB echo in ${big.ms} ms`);
    });
  }
}


test('a stream idle for 40 seconds survives, in both pairings at once', async () => {
  const target = await group.echoServer();
  const tunnels = await Promise.all(pairings.map(([c, s]) => startTunnel(group, c, s, target, { crypt: 'aes', extra: COMPAT })));
  const sockets = await Promise.all(
    tunnels.map(
      (t) =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(t.port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  let closedEarly = '';
  sockets.forEach((s, i) => s.on('close', () => (closedEarly ||= `pairing ${pairings[i]!.join('→')} closed during the idle period`)));
  await Promise.all(sockets.map((s) => echoOn(s, randomBytes(1000), 10_000)));
  await sleep(40_000);
  assert.equal(closedEarly, '');
  await Promise.all(sockets.map((s) => echoOn(s, randomBytes(5000), 10_000)));
  for (const s of sockets) s.destroy();
});
