/**
 * @kcptunb/sockopt — the socket options kcptunB sets that Node has no API for (docs/protocol.md §7.1, §7.2):
 *
 * - DSCP: `IP_TOS` = dscp << 2 (and `IPV6_TCLASS` = dscp << 2 on IPv6 sockets; kcptunB leaves it unshifted) on UDP sockets.
 * - TCP Fast Open, server role: `TCP_FASTOPEN` (queue length) on a listening `net.Server`.
 * - TCP Fast Open, client role: `TCP_FASTOPEN_CONNECT` set *before* `connect()`. Node connects as
 *   soon as it creates a socket, so {@link connectFastOpen} creates the socket in C, connects it
 *   non-blocking and hands the fd to `new net.Socket({ fd })`.
 *
 * Linux only. Elsewhere (or when the native addon was not built) nothing throws unexpectedly:
 * setters return `{ ok: false, error }` / throw a {@link SockoptError} with `unsupported: true`, and
 * {@link connectFastOpen} falls back to a plain `net.connect`. Callers turn the first unsupported
 * result into ONE warning (spec: failures are only printed).
 *
 * The native part is built by this package's `build` script (node-gyp against the local Node
 * headers, no download); see README.md.
 */
export { sockoptSupport } from './addon.js';
export { connectFastOpen, type ConnectFastOpenOptions } from './connectFastOpen.js';
export { constants, TcpState } from './constants.js';
export { getIpTos, getIpv6Tclass, setDscp, type DscpResult } from './dscp.js';
export { SockoptError, type SockoptErrorCode, type SockoptResult } from './errors.js';
export { fdOf, getIntSockopt, getSocketOption, setIntSockopt, setSocketOption, socketFamily, type AnySocket } from './sockets.js';
export { enableTcpFastOpenListen, getTcpFastOpen, getTcpFastOpenConnect, readTcpFastOpenSysctl, tcpInfo, type TcpInfo } from './tcpFastOpen.js';
