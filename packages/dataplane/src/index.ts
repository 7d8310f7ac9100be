export { DataPlane, type AcceptedSession, type DataPlaneOptions } from './host.js';
export type { FromShard, SessionRings, SessionSettings, ShardTask, ToShard } from './protocol.js';
export { nowMs } from './clock.js';
export { convOfFirstDatagram } from './firstDatagram.js';
export { reusePortSupported, splitHostPort } from './udp.js';
export { ForwardedSessions, ForwardLink, type ForwardRings } from './forwarding.js';
