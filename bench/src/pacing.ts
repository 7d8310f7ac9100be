/**
 * `--ratelimit` accuracy (docs/protocol.md §7.11): a real tunnel, both ends in the kcptun flag
 * dialect with the same --ratelimit, one upload stream; the limit is on the wire (every sealed
 * datagram byte a session sends: data, FEC parity, headers — what upstream's limiter counts), so
 * the client's wire rate (SNMP OutBytes over the transfer) should match it, and goodput sits
 * below it by the headers and parity. Ours and upstream's binaries with the same flags; medians
 * of 3 runs.
 *
 *   npm run bench:ratelimit            (--only=ours to skip upstream)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup, snmpOf, startTunnel, Target, transfer, UPSTREAM_DIR, type Impl } from '@kcptunb/testkit';

const MiB = 1 << 20;
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const onlyOurs = process.argv.includes('--only=ours');
const impls: Impl[] = !onlyOurs && existsSync(join(UPSTREAM_DIR, 'kcptun-client')) ? ['ours', 'upstream'] : ['ours'];

const group = new ProcessGroup();
const target = await Target.start();
console.log(`medians of ${RUNS}; one upload stream, crypt aes, --nocomp, mode fast`);
console.log('| impl | --ratelimit (B/s) | FEC | MiB | goodput (B/s) | goodput / limit | wire (B/s) | wire / limit |');
console.log('|---|---|---|---|---|---|---|---|');
for (const impl of impls) {
  for (const [rate, fec, mib] of [[1_000_000, false, 6], [1_000_000, true, 6], [4_000_000, false, 24]] as const) {
    const flags = ['--ratelimit', String(rate), ...(impl === 'ours' ? ['--dialect', 'kcptun'] : []), ...(fec ? [] : ['--datashard', '0', '--parityshard', '0'])];
    const goodput: number[] = [];
    const wire: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t = await startTunnel(group, impl, impl, target.port, { crypt: 'aes', key: 'pacing', nocomp: true }, flags, flags);
      // a warm-up (the session is up and the signal handlers are installed once it has moved bytes)
      await transfer(t, 'up', 1, 256 * 1024, { stallMs: 20_000, deadlineMs: 60_000 });
      const before = await snmpOf(t.client);
      const r = await transfer(t, 'up', 1, mib * MiB, { stallMs: 20_000, deadlineMs: 120_000 });
      const after = await snmpOf(t.client);
      goodput.push(r.bytes / r.seconds);
      // the SNMP reads add ~ms around the transfer; both ends idle then
      wire.push((after.OutBytes! - before.OutBytes!) / r.seconds);
      await t.stop();
    }
    const g = median(goodput);
    const w = median(wire);
    console.log(`| ${impl} | ${rate} | ${fec ? '10/3' : 'off'} | ${mib} | ${Math.round(g)} | ${(g / rate).toFixed(3)} | ${Math.round(w)} | ${(w / rate).toFixed(3)} |`);
  }
}
await target.close();
await group.cleanup();
