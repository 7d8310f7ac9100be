export { DataPlane, type AcceptedSession, type DataPlaneOptions } from './host.js';
export type { FromShard, SessionRings, SessionSettings, ShardTask, ToShard } from './protocol.js';
export { convOfFirstDatagram } from './firstDatagram.js';
export { reusePortSupported } from './udp.js';
export { InvalidSocketSettingsError, verifySocketSettings, type SocketSettings } from './settings.js';
