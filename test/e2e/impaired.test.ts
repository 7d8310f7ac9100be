/**
 * Tunnels through the test suite's UDP impairment relay (5% loss, 20 ms delay
 * each way, jitter → reordering, 1% duplication): ours ↔ ours and both mixed
 * pairings with Debian kcptun; every byte SHA-256 verified.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { concurrentEchoes, echoTransfer, ProcessGroup, type Impl } from '@kcptunb/testkit';
import { startUdpRelay, type Impairment } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

const MiB = 1 << 20;
const PATH: Impairment = { loss: 0.05, delayMs: 20, jitterMs: 8, duplicate: 0.01 };
const COMPAT = ['--streambuf-en=0', '--keepalivems', '20000'];

for (const [clientImpl, serverImpl] of [['ours', 'ours'], ['ours', 'kcptun'], ['kcptun', 'ours']] as Array<[Impl, Impl]>) {
  test(`${clientImpl} client ↔ ${serverImpl} server through 5% loss + 20 ms delay + reordering + duplication`, async () => {
    const target = await group.echoServer();
    const mixed = clientImpl !== serverImpl;
    const flags = (impl: Impl) => ['--key', 'impaired', '--mode', 'fast2', '--quiet', ...(impl === 'ours' && mixed ? COMPAT : [])];
    let relay: Awaited<ReturnType<typeof startUdpRelay>> | undefined;
    // the relay goes up once the server listens; the client dials the relay
    const t = await group.tunnel({
      client: clientImpl,
      server: serverImpl,
      targetPort: target,
      serverArgs: flags(serverImpl),
      clientArgs: flags(clientImpl),
      dialVia: async (udp) => {
        relay = await startUdpRelay({ target: { port: udp }, up: PATH, down: PATH, seed: 7 });
        group.onCleanup(() => relay!.close());
        return relay.port;
      },
    });
    const port = t.port;
    const big = await echoTransfer(port, 8 * MiB, 120_000);
    await concurrentEchoes(port, 20, 128 * 1024, 120_000);
    const s = relay!.stats;
    assert.ok(s.up.dropped > 0 && s.down.dropped > 0, 'the relay dropped datagrams both ways');
    assert.ok(s.up.reordered + s.down.reordered > 0, 'and reordered some');
    assert.ok(s.up.duplicated + s.down.duplicated > 0, 'and duplicated some');
    console.log(`# ${clientImpl}→${serverImpl}: 8 MiB echo in ${big.ms} ms; relay up ${JSON.stringify(s.up)}`);
  });
}
