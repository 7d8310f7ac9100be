export { createClient, KcptunbClient, type ClientOptions } from './client.js';
export { createServer, KcptunbServer, type BoundAddress, type ServerOptions } from './server.js';
export { DEFAULT_DRAIN_MS, type CloseOptions, type KcptunbEvents } from './tunnelBase.js';
export { CLIENT_OPTIONS, optionName, optionNames, resolveOptions, SERVER_OPTIONS, type ResolvedOptions, type ClientFlagOptions, type ServerFlagOptions } from './options.js';
export type { SessionCloseInfo, SessionInfo, StreamInfo } from '../runtime/tunnelEvents.js';
export { StreamSessionClosedError } from '../runtime/streamDuplex.js';
export { ClientClosedError } from '../runtime/client.js';
