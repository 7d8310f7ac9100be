export * from './config/index.js';
export { main, startTunnel } from './cli.js';
export { TunnelClient } from './runtime/client.js';
export { TunnelServer, MAX_SERVER_SESSIONS } from './runtime/server.js';
export { Logger } from './runtime/logger.js';
export { formatGoTime } from './runtime/goTimeFormat.js';
export { appendSnmpRow, snmpLogPath, snmpRow } from './runtime/snmpLog.js';
export { snmpLine } from './runtime/tunnel.js';
export * from './proxy/index.js';
