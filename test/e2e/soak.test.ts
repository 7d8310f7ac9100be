/**
 * CI-sized soak: rounds of short sessions (raw KCP clients from this process, each opening two
 * streams, getting them echoed and going silent) against one server, which expires them by smux
 * keepalive. After every round — once CurrEstab is 0 — the server's RSS stays within 10% (+ a
 * small absolute slack) of round 1 and its descriptor count does not grow. A warm-up round goes
 * first and is not compared: it brings the JIT, the V8 heaps and the kernels' WebAssembly memory
 * (which can grow but never shrink) to their working size. bench/src/soak.ts is the long version.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernels } from '@kcptunb/wasm';
import { freeUdpPort, ProcessGroup, readMemory, shortSessions, snmpOf, waitFor, type MemoryReading } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());
const kernels = loadKernels();

/** Compared rounds, after the warm-up round 0. */
const ROUNDS = 4;
const SESSIONS = 150;
const SLACK_KIB = 16 * 1024;

test('server memory and descriptors stay flat across rounds of closed sessions', async () => {
  const target = await group.echoServer();
  const udp = await freeUdpPort();
  const server = group.start('ours', 'server', ['-l', `127.0.0.1:${udp}`, '-t', `127.0.0.1:${target}`, '--key', 'soak', '--quiet', '--keepalivems', '500', '--keepalive-timeout', '2000']);
  await server.waitOutput(/listening on/, 10_000);
  const readings: MemoryReading[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const r = await shortSessions(SESSIONS, 50, 100, { kernels, port: udp, key: 'soak', streams: 2, timeoutMs: 15_000 });
    assert.ok(r.failed <= SESSIONS / 20, `round ${round}: ${r.failed} of ${SESSIONS} sessions failed (${r.firstError})`);
    await waitFor(async () => (await snmpOf(server)).CurrEstab === 0, 30_000, 'the server to expire every session', { pollMs: 250, diag: () => server.tail() });
    if (round > 0) readings.push(readMemory(server.child.pid!));
  }
  const first = readings[0]!;
  const table = readings.map((m, i) => `round ${i + 1}: RSS ${(m.rssKiB / 1024).toFixed(0)} MiB, fds ${m.fds}`).join('\n');
  for (const m of readings.slice(1)) {
    assert.ok(m.rssKiB <= first.rssKiB * 1.1 + SLACK_KIB, `RSS grew:\n${table}`);
    assert.ok(m.fds <= first.fds, `descriptors grew:\n${table}`);
  }
});
