/**
 * `--ratelimit` accuracy (docs/protocol.md §7.11): a real tunnel, both ends ours in the
 * kcptun flag dialect with the same --ratelimit, 8 MiB echoed both ways at once;
 * compares the goodput of each direction with the configured rate. The limit counts
 * every datagram byte (FEC parity, headers, the ACKs for the other direction), so
 * goodput stays below it.
 * Run: npx tsc -b bench && node bench/dist/pacing.js
 */
import { echoTransfer, ProcessGroup, startTunnel } from '@kcptunb/testkit';

const MiB = 1 << 20;
const group = new ProcessGroup();
const target = await group.echoServer();
console.log('| --ratelimit (B/s) | FEC | 8 MiB echo (ms) | goodput each way (B/s) | goodput / limit |');
console.log('|---|---|---|---|---|');
for (const [rate, fec] of [[1_000_000, true], [4_000_000, true], [1_000_000, false], [4_000_000, false]] as const) {
  const flags = ['--dialect', 'kcptun', '--ratelimit', String(rate), ...(fec ? [] : ['--datashard', '0', '--parityshard', '0'])];
  const t = await startTunnel(group, 'ours', 'ours', target, { crypt: 'aes', key: 'pacing', nocomp: true }, flags, flags);
  const r = await echoTransfer(t.port, 8 * MiB, 120_000);
  const goodput = (8 * MiB * 1000) / r.ms;
  console.log(`| ${rate} | ${fec ? '10/3' : 'off'} | ${r.ms} | ${Math.round(goodput)} | ${(goodput / rate).toFixed(3)} |`);
  await t.stop();
}
await group.cleanup();
