/**
 * What a kcptun port range costs a server (docs/protocol.md §7.13): one UDP socket per port.
 * For ranges of 1, 100 and 1000 ports, ours and upstream's kcptun-server: the time from spawn to
 * every port bound, and the idle process's RSS and open descriptors then. Medians of 3 runs.
 *
 *   npm run bench:portrange
 */
import { ProcessGroup, readMemory, sleep, udpBound, UPSTREAM_DIR, waitFor, type Impl } from '@kcptunb/testkit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `n` consecutive unbound UDP ports from a base in the upper ephemeral range. */
function freeRange(n: number, from: number): number {
  for (let base = from; base + n < 65000; base += n) {
    let free = true;
    for (let p = base; p < base + n && free; p++) free = udpBound(p) === false;
    if (free) return base;
  }
  throw new Error(`no ${n} free consecutive UDP ports`);
}

const impls: Impl[] = existsSync(join(UPSTREAM_DIR, 'kcptun-server')) ? ['ours', 'upstream'] : ['ours'];
console.log(`node ${process.version}, KCPTUNB_SHARDS=${process.env.KCPTUNB_SHARDS ?? '(default)'}; medians of ${RUNS}`);
console.log('| server | ports | start-up to all bound (ms) | RSS (MiB) | open fds |');
console.log('|---|---|---|---|---|');
for (const impl of impls) {
  for (const n of [1, 100, 1000]) {
    const ms: number[] = [];
    const rss: number[] = [];
    const fds: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const group = new ProcessGroup();
      const base = freeRange(n, 20000 + run * 1500);
      const range = n === 1 ? `${base}` : `${base}-${base + n - 1}`;
      const t0 = Date.now();
      const p = group.start(impl, 'server', ['-l', `127.0.0.1:${range}`, '-t', '127.0.0.1:9', '--key', 'k', '--quiet', ...(impl === 'ours' ? ['--dialect', 'kcptun'] : [])]);
      await waitFor(() => udpBound(base + n - 1) === true && udpBound(base) === true, 60_000, `${impl} bound ${range}`, { pollMs: 10, diag: () => p.tail() });
      ms.push(Date.now() - t0);
      await sleep(500); // let start-up garbage settle before the reading (a reading, not a condition)
      const m = readMemory(p.child.pid!);
      rss.push(m.rssKiB / 1024);
      fds.push(m.fds);
      await group.cleanup();
    }
    console.log(`| ${impl} | ${n} | ${median(ms)} | ${median(rss).toFixed(1)} | ${median(fds)} |`);
  }
}
