export * from './counters.js';
export { SNMP_GAUGES, SnmpPeriod } from './period.js';
