/**
 * The control thread's scheduler edge for its smux links (and close waits). A lost wake-up its
 * audit finds is a bug: it is counted in MissedWakeups and the first ones are logged with the
 * shell's state (the scheduler package's wakeupAudit.ts).
 */
import { S, type Snmp } from '@kcptunb/snmp';
import { RealtimeDriver, type Runnable } from '@kcptunb/scheduler';
import { nowMs } from '@kcptunb/dataplane';

const LOGGED = 20;

export function linkDriver(log: (line: string) => void, counters: () => Snmp): RealtimeDriver {
  return new RealtimeDriver(nowMs, undefined, {
    onMissedWakeup: (item: Runnable) => {
      const n = ++counters().values[S.MissedWakeups]!;
      const report = item.stallReport?.() ?? item.constructor.name;
      if (n <= LOGGED) log(`control: missed wake-up (${n}), ran ${report}`);
    },
  });
}
