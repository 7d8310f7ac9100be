/** The shard's parts, for the simulator and the tests: what runs inside a data-plane worker. */
export { ShardSession, type ShardSessionOptions } from './shardSession.js';
export { SessionRegistry, type OpenSession } from './sessionRegistry.js';
export { Listener, type ListenerContext } from './listener.js';
export { ForwardedSessions, ForwardLink, type ForwardRings } from './forwarding.js';
export { convOfFirstDatagram } from './firstDatagram.js';
export { readFirstDatagram, type FirstDatagram } from './firstDatagram.js';
export { DEAD_AFTER_MS, MIN_PROBES, PROBE_AFTER_MS, PROBE_EVERY_MS, SilenceWatch, type SilenceVerdict } from './silenceWatch.js';
export { ResetReply, RESETS_PER_SECOND } from './resetReply.js';
export { ChecksumTally, CHECKSUM_PERIOD_MS, MAX_NAMED_SOURCES } from './checksumTally.js';
export { SessionSockets, type OpenSessionSocket, type SessionSocketRequest } from './sessionSockets.js';
export { BOX_MS, FAILS_TO_BOX, FAIL_WINDOW_MS, PenaltyBox } from './penaltyBox.js';
