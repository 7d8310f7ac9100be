/**
 * The control thread's view of the data plane: the host that starts the shards, the typed
 * messages and settings. The shard's internals (sessions, listener, forwarding) are in
 * `@kcptunb/dataplane/shell`, so a control thread whose shards run in workers never loads them
 * (snappy, KCP, FEC and the kernels stay out of its memory).
 */
export { DataPlane, type AcceptedSession, type ClosedSession, type DataPlaneEvents, type DataPlaneOptions, type DialOptions, type ListenOptions } from './host.js';
export type { EventLoopFigures, SessionFigures, ShardFigures } from './sessionFigures.js';
export { sessionKey, type FromShard, type SessionRings, type SessionSettings, type ShardTask, type ToShard } from './protocol.js';
export { nowMs } from './clock.js';
export { reusePortSupported, SESSION_SOCKETS_WITHOUT_HASH4, sessionSocketLimit } from './udp.js';
export type { ForwardRings } from './forwarding.js';
export { InvalidSocketSettingsError, verifySocketSettings, type SocketSettings } from './settings.js';
export { Admission, DEFAULT_ADMISSION_LIMITS, defaultMaxSessions, SESSION_BUDGET_BYTES, type AdmissionLimits, type AdmissionSettings, type Candidate, type Decision } from './admission.js';
export { keyHigh, keyLow, ReplayFilter, REPLAY_GENERATION_MS, REPLAY_PER_GENERATION, type ReplayFilterOptions } from './replayFilter.js';
export { RingPool, RING_QUARANTINE_MS } from './ringPool.js';
export { LINGER_MS } from './linger.js';
export { HeapTrimmer, TRIM_EVERY_SESSIONS, TRIM_IDLE_INTERVAL_MS, TRIM_MIN_INTERVAL_MS } from './heapTrim.js';
