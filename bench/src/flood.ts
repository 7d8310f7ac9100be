/**
 * Replay flood: the recorded first datagrams of one session sent from many source ports
 * (default 5,000, each every 100 ms) at a server while an established tunnel moves data.
 * Reports the tunnel's echo goodput without and with the flood, how long a new client takes to
 * get its first stream echoed during the flood, and the server's refusal counters.
 * Targets (printed, not asserted): goodput under flood ≥ 80% of the baseline, newcomer ≤ 2 s.
 *
 *   npm run bench:flood                      5,000 ports
 *   npm run bench:flood -- --ports 2000 --bytes 16777216 [--server-arg --replay-filter=0]
 *   npm run bench:flood -- --garbage 240000 [--sources 16]   random datagrams instead (target ≥ 50%)
 *   … --control                              also: the same flood at an unread socket (the sender's own cost)
 *
 * The flood's sender runs in a worker thread of this process, on the same machine: --control
 * separates what it costs the machine from what the server spends refusing it. The last line is
 * JSON for scripts.
 */
import { loadKernels } from '@kcptunb/wasm';
import { bindLoopbackUdp, echoTransfer, kcptunbCountersOf, killAll, ProcessGroup, shortSession, snmpOf } from '@kcptunb/testkit';
import { floodInWorker, garbageFlood, type FloodSender } from './garbageFlood.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let ports = 5000;
  let bytes = 32 << 20;
  const serverArgs: string[] = [];
  let garbage = 0;
  let sources = 16;
  let control = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--ports') ports = Number(argv[++i]);
    else if (argv[i] === '--garbage') garbage = Number(argv[++i]);
    else if (argv[i] === '--sources') sources = Number(argv[++i]);
    else if (argv[i] === '--control') control = true;
    else if (argv[i] === '--bytes') bytes = Number(argv[++i]);
    else if (argv[i] === '--server-arg') serverArgs.push(argv[++i]!);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  /**
   * An echo transfer's duration; one that times out counts as what it moved in the time allowed
   * (a flood that starves the tunnel still gives a figure, not only an error).
   */
  const timed = async (port: number, n: number): Promise<{ ms: number; bytes: number; complete: boolean }> => {
    let received = 0;
    const t0 = Date.now();
    try {
      await echoTransfer(port, n, 120_000, { onData: (k) => (received = k) });
      return { ms: Date.now() - t0, bytes: n, complete: true };
    } catch (e) {
      if (!/timed out/.test((e as Error).message)) throw e;
      return { ms: Date.now() - t0, bytes: received, complete: false };
    }
  };
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
    // both senders run in threads of their own, off the loop of the transfer being measured
    const startFlood = (port: number): Promise<FloodSender> =>
      garbage > 0 ? garbageFlood({ port, perSec: garbage, sources }) : floodInWorker(new URL('./replayFloodWorker.js', import.meta.url), { datagrams: recorded.slice(0, 4), ports, port, intervalMs: 100 });
    const what = garbage > 0 ? `garbage ${garbage}/s from ${sources} ports` : `replay of 4 recorded datagrams from ${ports} ports every 100 ms`;
    let controlPct: number | undefined;
    if (control) {
      const sink = await bindLoopbackUdp(); // bound, never read: the kernel drops what does not fit
      const f = await startFlood(sink.address().port);
      try {
        const r = await timed(tunnel.port, bytes);
        controlPct = (100 * (r.bytes / r.ms)) / (bytes / base.ms);
      } finally {
        await f.stop();
        sink.close();
      }
    }
    const before = await kcptunbCountersOf(tunnel.server);
    const snmpBefore = await snmpOf(tunnel.server);
    const flood = await startFlood(tunnel.udpPort);
    try {
      const during = timed(tunnel.port, bytes);
      const t0 = Date.now();
      let newcomerMs: number | undefined;
      let newcomer = 'failed';
      try {
        await shortSession({ kernels, port: tunnel.udpPort, key, timeoutMs: 30_000 });
        newcomerMs = Date.now() - t0;
        newcomer = `${newcomerMs} ms`;
      } catch (e) {
        newcomer = `failed: ${(e as Error).message}`;
      }
      const r = await during;
      const sent = flood.sent();
      const floodMBs = (2 * r.bytes) / 1e6 / (r.ms / 1000);
      const pct = (100 * floodMBs) / baseMBs;
      const c = await kcptunbCountersOf(tunnel.server);
      const snmp = await snmpOf(tunnel.server);
      console.log(`flood: ${what}, ${sent} sent during the run${r.complete ? '' : ` (the transfer timed out: ${r.bytes} of ${bytes} bytes in ${r.ms} ms)`}`);
      console.log(`echo goodput (both directions): baseline ${baseMBs.toFixed(1)} MB/s, under flood ${floodMBs.toFixed(1)} MB/s = ${pct.toFixed(0)}% (target ≥ ${garbage > 0 ? 50 : 80}%)`);
      if (controlPct !== undefined) console.log(`the same flood at an unread socket (sender's cost alone): ${controlPct.toFixed(0)}% of baseline`);
      console.log(`new client during the flood: ${newcomer} (target ≤ 2000 ms)`);
      const delta = (a: Record<string, number>, b: Record<string, number>, k: string) => (a[k] ?? 0) - (b[k] ?? 0);
      const d = { ReplayDrops: delta(c, before, 'ReplayDrops'), AdmissionDrops: delta(c, before, 'AdmissionDrops'), InErrs: delta(snmp, snmpBefore, 'InErrs'), InCsumErrors: delta(snmp, snmpBefore, 'InCsumErrors') };
      console.log(`server during the flood: ReplayDrops ${d.ReplayDrops} AdmissionDrops ${d.AdmissionDrops} InErrs ${d.InErrs} InCsumErrors ${d.InCsumErrors}; IdleEvictions ${c.IdleEvictions} CurrEstab ${snmp.CurrEstab}`);
      console.log(JSON.stringify({ mode: garbage > 0 ? 'garbage' : 'replay', baseMBs, floodMBs, pct, controlPct, newcomerMs, sent, ...d }));
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
