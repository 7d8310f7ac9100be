/**
 * kcptun port ranges (docs/protocol.md §7.13): a server on `host:min-max` listens on every port,
 * a client with `-r host:min-max` dials a random port of it for each session; the sessions land
 * on several ports and every one of them carries streams.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { concurrentEchoes, echoTransfer, ProcessGroup, startTunnel, udpBound } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

const PORTS = 4;
/** With 12 sessions over 4 ports, all on one port has probability 4·4⁻¹² ≈ 2·10⁻⁷. */
const CONN = 12;

test(`client -r host:a-b (--conn ${CONN}) ↔ server -l host:a-b (${PORTS} ports): every port bound, sessions on several ports, every stream echoed`, async () => {
  const target = await group.echoServer();
  const t = await startTunnel(group, 'ours', 'ours', target, { nocomp: true }, ['--conn', String(CONN)], [], { ports: PORTS });
  for (let p = t.udpPort; p < t.udpPort + PORTS; p++) assert.equal(udpBound(p), true, `UDP ${p} bound`);
  await t.server.waitOutput(new RegExp(`listening on: 127\\.0\\.0\\.1:${t.udpPort}-${t.udpPort + PORTS - 1}`), 5000);
  // --conn slots are used round-robin, one per TCP connection: 2·CONN streams use every session
  await concurrentEchoes(t.port, 2 * CONN, 64 * 1024, 60_000);
  await echoTransfer(t.port, 1 << 20, 30_000);
  const dialled = [...t.client.output().matchAll(/connection: \S+ -> 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(dialled.length, CONN, 'one connection line per session');
  for (const p of dialled) assert.ok(p >= t.udpPort && p < t.udpPort + PORTS, `port ${p} in the range`);
  assert.ok(new Set(dialled).size >= 2, `sessions on several ports: ${dialled.join(' ')}`);
  assert.equal((t.server.output().match(/remote address: /g) ?? []).length, CONN, 'the server accepted every session');
  await t.stop();
});
