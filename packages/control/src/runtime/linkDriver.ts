/**
 * The control thread's scheduler edge for its smux links (and close waits). A lost wake-up its
 * audit finds is a bug: it is counted in MissedWakeups and the first ones are logged with the
 * shell's state (the scheduler package's wakeupAudit.ts).
 */
import { S, type Snmp } from '@kcptunb/snmp';
import { RealtimeDriver, reportMissedWakeups } from '@kcptunb/scheduler';
import { nowMs } from '@kcptunb/dataplane';

export function linkDriver(log: (line: string) => void, counters: () => Snmp): RealtimeDriver {
  return new RealtimeDriver(nowMs, undefined, {
    onMissedWakeup: reportMissedWakeups('control', () => ++counters().values[S.MissedWakeups]!, log),
  });
}
