/**
 * Tunnels with upstream kcptun 20260126 in both pairings for the upstream-only ciphers
 * (docs/protocol.md §1.9, §1.10), FEC 10/3: smux v1 (upstream `--smuxver 1`, ours kcptunB's
 * `--streambuf-en=0`) and smux v2 (upstream's defaults, ours `--dialect kcptun`).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { concurrentEchoes, echoTransfer, ProcessGroup, startTunnel, type Impl } from '@kcptunb/testkit';

const MiB = 1 << 20;
const group = new ProcessGroup();
after(() => group.cleanup());

const pairings: Array<[Impl, Impl]> = [
  ['ours', 'upstream'],
  ['upstream', 'ours'],
];

for (const [client, server] of pairings) {
  for (const [crypt, v] of [['aes-128-gcm', 1], ['null', 1], ['aes-128-gcm', 2], ['null', 2]] as const) {
    test(`${client} client ↔ ${server} server, --crypt ${crypt}, smux v${v}: 4 MiB echo and 10 streams`, async () => {
      const target = await group.echoServer();
      const side = (impl: Impl) => (v === 2 ? (impl === 'upstream' ? [] : ['--dialect', 'kcptun']) : impl === 'upstream' ? ['--smuxver', '1'] : ['--streambuf-en=0']);
      const t = await startTunnel(group, client, server, target, { crypt, key: `upstream ${crypt}` }, side(client), side(server));
      // upstream's client prints its settings after its port accepts (it derives the key in between)
      for (const p of [t.client, t.server]) await p.waitOutput(new RegExp(`encryption: ${crypt}`), 10_000, `${p.label} to say it runs ${crypt}`);
      const r = await echoTransfer(t.port, 4 * MiB, 60_000);
      assert.ok(r.ms > 0);
      await concurrentEchoes(t.port, 10, 128 * 1024, 60_000);
    });
  }
}

for (const [client, server] of pairings) {
  test(`${client} client ↔ ${server} server over a 4-port range (docs/protocol.md §7.13): --conn 8 sessions on several ports, every stream echoed`, async () => {
    const target = await group.echoServer();
    const side = (impl: Impl) => (impl === 'upstream' ? [] : ['--dialect', 'kcptun']);
    const t = await startTunnel(group, client, server, target, { key: 'upstream ports' }, [...side(client), '--conn', '8'], side(server), { ports: 4 });
    await concurrentEchoes(t.port, 16, 64 * 1024, 60_000);
    // our client logs the port each session dialled; with upstream's client, our server's accept lines count the sessions
    if (client === 'ours') {
      const ports = new Set([...t.client.output().matchAll(/connection: \S+ -> 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])));
      assert.ok(ports.size >= 2, `sessions on several ports: ${[...ports].join(' ')}`);
    } else {
      assert.equal((t.server.output().match(/remote address: /g) ?? []).length, 8, 'our server accepted all 8 sessions of the upstream client');
    }
  });
}
