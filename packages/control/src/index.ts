// The library API (docs/api.md): createServer / createClient and their types
export * from './api/index.js';
export * from './config/index.js';
export { main, startTunnel } from './cli.js';
export { TunnelClient } from './runtime/client.js';
export { TunnelServer } from './runtime/server.js';
export { Logger } from './runtime/logger.js';
export { freeTcpPort, freeUdpPort } from './runtime/loopbackPorts.js';
export { formatGoTime } from './runtime/goTimeFormat.js';
export { appendSnmpRow, snmpLogPath, snmpRow } from './runtime/snmpLog.js';
export { snmpLine, isCompressionMismatch } from './runtime/tunnel.js';
export { SnmpHints, type HintCounters } from './runtime/snmpHints.js';
export * from './proxy/index.js';
export { SessionLink, type SessionLinkHandlers } from './runtime/sessionLink.js';
export { StreamRelay, type ByteSocket, type StreamRelayOptions } from './runtime/streamRelay.js';
export { RING_BYTES } from './runtime/settings.js';
export { collectStats, type SessionStats, type ShardStats, type SnmpCounters, type StatsSource, type TunnelStats } from './runtime/stats.js';
