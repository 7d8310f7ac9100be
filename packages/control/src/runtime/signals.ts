/** SIGUSR1 → one SNMP log line; SIGINT/SIGTERM → graceful stop, exit 0 (docs/protocol.md §7.6). */
import { SNMP_STRUCT_ORDER, type Snmp } from '@kcptunb/snmp';
import type { Logger } from './logger.js';
import { snmpLine } from './tunnel.js';

export function installSignals(logger: Logger, snmp: () => Snmp, stop: () => Promise<void>): void {
  process.on('SIGUSR1', () => logger.log(snmpLine(snmp(), SNMP_STRUCT_ORDER)));
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
