/** kcptunB's built-in proxy (`--ser`, docs/protocol.md §6): sans-I/O handshakes for the client (socks5, http) and server (fast) roles. */
export * from './errors.js';
export * from './socksReply.js';
export * from './target.js';
export * from './tunnelReply.js';
export type { ClientAnswer, ClientHandshakeState, ClientStep } from './clientHandshake.js';
export * from './socks5Client.js';
export * from './httpClient.js';
export * from './httpRequestRewriter.js';
export * from './fastServer.js';
