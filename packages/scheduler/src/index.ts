/**
 * Scheduling for the sans-I/O shells: a pure run queue (shells return their next wake-up and ring
 * waits) and the real-time edge that turns it into setImmediate, a timer and ring doorbells.
 */
export { RunQueue, IDLE, type Runnable, type Wakeup } from './runQueue.js';
export { RealtimeDriver, type RealtimeDriverOptions } from './realtimeDriver.js';
export { AUDIT_EVERY_MS, reportMissedWakeups, WakeupAudit } from './wakeupAudit.js';
export { drainWait, RingWakeup } from './ringWakeup.js';
