export { DataPlane, type AcceptedSession, type ClosedSession, type DataPlaneEvents, type DataPlaneOptions, type DialOptions, type ListenOptions } from './host.js';
export { sessionKey, type FromShard, type SessionRings, type SessionSettings, type ShardTask, type ToShard } from './protocol.js';
export { nowMs } from './clock.js';
export { convOfFirstDatagram } from './firstDatagram.js';
export { ShardSession, type ShardSessionOptions } from './shardSession.js';
export { SessionRegistry, type OpenSession } from './sessionRegistry.js';
export { reusePortSupported } from './udp.js';
export { ForwardedSessions, ForwardLink, type ForwardRings } from './forwarding.js';
export { InvalidSocketSettingsError, verifySocketSettings, type SocketSettings } from './settings.js';
