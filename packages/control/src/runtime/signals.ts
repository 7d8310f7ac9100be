/** SIGUSR1 → kcptun's SNMP log line, then kcptunb's counters (docs/deviations.md); SIGINT/SIGTERM → graceful stop, exit 0 (docs/protocol.md §7.6). */
import { KCPTUNB_FIELDS, SNMP_STRUCT_ORDER, type Snmp } from '@kcptunb/snmp';
import type { Logger } from './logger.js';
import { snmpLine } from './tunnel.js';

export function installSignals(logger: Logger, snmp: () => Snmp, stop: () => Promise<void>): void {
  process.on('SIGUSR1', () => {
    const counters = snmp();
    logger.log(snmpLine(counters, SNMP_STRUCT_ORDER));
    // kcptunb's own counters on a line of their own: the kcptun line stays what its parsers expect
    const values = counters.snapshot() as Record<string, number>;
    logger.log(`kcptunb SNMP:&{${KCPTUNB_FIELDS.map((k) => `${k}:${values[k]}`).join(' ')}}`);
  });
  process.on('SIGPIPE', () => {});
  let stopping = false;
  const onStop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    stop().then(
      () => process.exit(0),
      (e: Error) => {
        logger.log(`shutdown: ${e.message}`);
        process.exit(0);
      },
    );
  };
  process.on('SIGINT', () => onStop('SIGINT'));
  process.on('SIGTERM', () => onStop('SIGTERM'));
}
