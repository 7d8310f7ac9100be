/**
 * Replay flood: the recorded first datagrams of one session sent from many source ports
 * (default 5,000, each every 100 ms) at a server while an established tunnel moves data.
 * Reports the tunnel's echo goodput without and with the flood, how long a new client takes to
 * get its first stream echoed during the flood, and the server's refusal counters.
 * Targets (printed, not asserted): goodput under flood ≥ 80% of the baseline, newcomer ≤ 2 s.
 *
 *   npm run bench:flood                      5,000 ports
 *   npm run bench:flood -- --ports 2000 --bytes 16777216 [--server-arg --replay-filter=0]
 */
import { loadKernels } from '@kcptunb/wasm';
import { echoTransfer, kcptunbCountersOf, killAll, ProcessGroup, replayFlood, shortSession, snmpOf } from '@kcptunb/testkit';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let ports = 5000;
  let bytes = 32 << 20;
  const serverArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--ports') ports = Number(argv[++i]);
    else if (argv[i] === '--bytes') bytes = Number(argv[++i]);
    else if (argv[i] === '--server-arg') serverArgs.push(argv[++i]!);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const key = 'flood';
  const kernels = loadKernels();
  const group = new ProcessGroup();
  try {
    const target = await group.echoServer();
    const tunnel = await group.tunnel({ client: 'ours', server: 'ours', targetPort: target, serverArgs: ['--key', key, '--quiet', ...serverArgs], clientArgs: ['--key', key, '--quiet'] });
    await echoTransfer(tunnel.port, 1 << 20, 30_000); // warm-up
    const base = await echoTransfer(tunnel.port, bytes, 120_000);
    const baseMBs = (2 * bytes) / 1e6 / (base.ms / 1000);
    const recorded: Buffer[] = [];
    await shortSession({ kernels, port: tunnel.udpPort, key, record: (d) => recorded.push(d) });
    const flood = await replayFlood(recorded.slice(0, 4), ports, tunnel.udpPort, 100);
    try {
      const during = echoTransfer(tunnel.port, bytes, 120_000);
      const t0 = Date.now();
      let newcomer = 'failed';
      try {
        await shortSession({ kernels, port: tunnel.udpPort, key, timeoutMs: 30_000 });
        newcomer = `${Date.now() - t0} ms`;
      } catch (e) {
        newcomer = `failed: ${(e as Error).message}`;
      }
      const r = await during;
      const floodMBs = (2 * bytes) / 1e6 / (r.ms / 1000);
      const c = await kcptunbCountersOf(tunnel.server);
      const snmp = await snmpOf(tunnel.server);
      console.log(`flood: ${ports} ports, ${recorded.length} recorded datagrams (first 4 replayed), ${flood.sent()} sent during the run`);
      console.log(`echo goodput (both directions): baseline ${baseMBs.toFixed(1)} MB/s, under flood ${floodMBs.toFixed(1)} MB/s = ${((100 * floodMBs) / baseMBs).toFixed(0)}% (target ≥ 80%)`);
      console.log(`new client during the flood: ${newcomer} (target ≤ 2000 ms)`);
      console.log(`server: ReplayDrops ${c.ReplayDrops} AdmissionDrops ${c.AdmissionDrops} IdleEvictions ${c.IdleEvictions} InErrs ${snmp.InErrs} CurrEstab ${snmp.CurrEstab}`);
    } finally {
      await flood.stop();
    }
  } finally {
    await group.cleanup();
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  killAll();
  process.exit(1);
});
