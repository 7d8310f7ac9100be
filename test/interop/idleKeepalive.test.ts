/**
 * Stock keepalive timing (docs/protocol.md §4.8, deviations row 29): an idle stream
 * survives 120 s against upstream kcptun 20260126 and Debian's 20210922, in both roles.
 * Ours runs the kcptun flag dialect a user of either would copy (upstream: its defaults,
 * smux v2; Debian: `--smuxver 1`). The four tunnels share one 120 s idle window.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { echoOn, ProcessGroup, sleep, startTunnel, type Impl } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const IDLE_MS = 120_000;


const ourFlags = (peer: Impl) => (peer === 'upstream' ? ['--dialect', 'kcptun'] : ['--smuxver', '1']);
const PAIRINGS: Array<[Impl, Impl]> = [
  ['ours', 'upstream'],
  ['upstream', 'ours'],
  ['ours', 'kcptun'],
  ['kcptun', 'ours'],
];

test(`an idle stream survives ${IDLE_MS / 1000} s against upstream and Debian kcptun, both roles, at once`, { timeout: IDLE_MS + 90_000 }, async () => {
  const target = await group.echoServer();
  const tunnels = await Promise.all(
    PAIRINGS.map(([c, s]) => {
      const peer = c === 'ours' ? s : c;
      return startTunnel(group, c, s, target, { crypt: 'aes', key: 'idle' }, c === 'ours' ? ourFlags(peer) : [], s === 'ours' ? ourFlags(peer) : []);
    }),
  );
  const sockets = await Promise.all(
    tunnels.map((t) => new Promise<Socket>((resolve, reject) => {
      const s = connect(t.port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    })),
  );
  const closedEarly: string[] = [];
  sockets.forEach((s, i) => s.on('close', () => closedEarly.push(`${PAIRINGS[i]!.join('→')} closed during the idle period`)));
  await Promise.all(sockets.map((s) => echoOn(s, randomBytes(1000), 10_000)));
  await sleep(IDLE_MS); // the idle period is the point: nothing to wait for
  assert.deepEqual(closedEarly, []);
  for (const t of tunnels) t.assertAlive('the idle period');
  await Promise.all(sockets.map((s) => echoOn(s, randomBytes(5000), 10_000)));
  for (const s of sockets) s.destroy();
});
