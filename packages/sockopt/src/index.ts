/**
 * @kcptunb/sockopt — the socket options kcptunB sets that Node has no API for (spec §7.1, §7.2):
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
import { createRequire } from 'node:module';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';

/** Linux values (stable kernel ABI). */
export const constants = Object.freeze({
  SOL_SOCKET: 1,
  SO_ERROR: 4,
  IPPROTO_IP: 0,
  IP_TOS: 1,
  IPPROTO_IPV6: 41,
  IPV6_TCLASS: 67,
  IPPROTO_TCP: 6,
  TCP_FASTOPEN: 23,
  TCP_FASTOPEN_CONNECT: 30,
  /** `tcpi_options` bit: the SYN carried data and the peer acknowledged it. */
  TCPI_OPT_SYN_DATA: 32,
});

/** Linux `tcpi_state` values. */
export const TcpState = Object.freeze({
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
});

/**
 * - `UNSUPPORTED`: not Linux, or the native addon is not built/loadable (`unsupported` is true).
 * - `ENOFD`: the Node socket has no file descriptor (not bound/listening/connected yet, closed,
 *   or Node's internals changed — see {@link fdOf}).
 * - `ERR_ARG`: a bad argument (not an integer, DSCP outside 0..63, port outside 0..65535, ...).
 * - otherwise the errno name the kernel returned (`EBADF`, `ENOTSOCK`, `ENOPROTOOPT`,
 *   `ECONNREFUSED`, `ETIMEDOUT`, ...), with `errno` set.
 */
export type SockoptErrorCode = 'UNSUPPORTED' | 'ENOFD' | 'ERR_ARG' | (string & {});

export class SockoptError extends Error {
  override readonly name = 'SockoptError';
  readonly code: SockoptErrorCode;
  /** Positive C errno when the kernel refused. */
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  constructor(code: SockoptErrorCode, message: string, errno?: number, syscall?: string) {
    super(message);
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
  /** True when the platform/build cannot do this at all (warn once, carry on). */
  get unsupported(): boolean {
    return this.code === 'UNSUPPORTED';
  }
}

export type SockoptResult = { ok: true } | { ok: false; error: SockoptError };

// ---------------------------------------------------------------------------------------------
// Native addon

interface Addon {
  setInt(fd: number, level: number, name: number, value: number): void;
  getInt(fd: number, level: number, name: number): number;
  family(fd: number): 0 | 4 | 6;
  tcpInfo(fd: number): [state: number, segsOut: number, options: number];
  connectTfo(ip: string, port: number, family: 4 | 6): [fd: number, inProgress: 0 | 1, tfoErrno: number];
  closeFd(fd: number): void;
}

let addon: Addon | undefined;
let unsupportedReason: string | undefined;
if (process.platform !== 'linux') {
  unsupportedReason = `socket options are implemented for Linux only (platform ${process.platform})`;
} else if (process.env.KCPTUNB_SOCKOPT_DISABLE === '1') {
  // escape hatch (and how the tests exercise the unsupported path on Linux)
  unsupportedReason = 'native socket options disabled by KCPTUNB_SOCKOPT_DISABLE=1';
} else {
  try {
    addon = createRequire(import.meta.url)('../build/Release/sockopt.node') as Addon;
  } catch (e) {
    unsupportedReason =
      `native addon @kcptunb/sockopt not loadable (build it with \`npm run build -w @kcptunb/sockopt\`): ` +
      (e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
}

/** Whether the native part is usable here, and why not. */
export function sockoptSupport(): { supported: boolean; reason?: string } {
  return addon ? { supported: true } : { supported: false, reason: unsupportedReason };
}

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(os.constants.errno)) if (!errnoNames.has(num)) errnoNames.set(num, name);

function unsupported(): SockoptError {
  return new SockoptError('UNSUPPORTED', unsupportedReason ?? 'unsupported');
}

/** Converts whatever the addon threw into a SockoptError. */
function toSockoptError(e: unknown, what: string): SockoptError {
  if (e instanceof SockoptError) return e;
  const err = e as { errno?: unknown; syscall?: unknown; code?: unknown; message?: unknown };
  if (typeof err?.errno === 'number') {
    const name = errnoNames.get(err.errno) ?? `E${err.errno}`;
    return new SockoptError(name, `${what}: ${String(err.message)}`, err.errno, typeof err.syscall === 'string' ? err.syscall : undefined);
  }
  if (err?.code === 'ESOCKOPT_ARG') return new SockoptError('ERR_ARG', `${what}: ${String(err.message)}`);
  return new SockoptError('ERR_NATIVE', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** A Node socket error (negative errno, libuv code) as a SockoptError of the same code. */
function fromNodeError(e: unknown, what: string): SockoptError {
  if (e instanceof SockoptError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : 'ERR_NATIVE';
  const errno = typeof err?.errno === 'number' ? Math.abs(err.errno) : os.constants.errno[code as keyof typeof os.constants.errno];
  const out = new SockoptError(code, `${what}: ${code}`, errno, 'connect');
  (out as { cause?: unknown }).cause = e;
  return out;
}

function needAddon(): Addon {
  if (!addon) throw unsupported();
  return addon;
}

function checkInt(v: unknown, what: string, min = -0x80000000, max = 0x7fffffff): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new SockoptError('ERR_ARG', `${what} must be an integer in ${min}..${max}, got ${String(v)}`);
}

function wrap<T>(fn: () => T): SockoptResult & { value?: T } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: toSockoptError(e, 'sockopt') };
  }
}

// ---------------------------------------------------------------------------------------------
// Raw fd level

/** setsockopt(fd, level, name, &int value). Throws {@link SockoptError}. */
export function setIntSockopt(fd: number, level: number, name: number, value: number): void {
  checkInt(fd, 'fd', 0);
  checkInt(level, 'level');
  checkInt(name, 'name');
  checkInt(value, 'value');
  const a = needAddon();
  try {
    a.setInt(fd, level, name, value);
  } catch (e) {
    throw toSockoptError(e, `setsockopt(fd ${fd}, level ${level}, option ${name})`);
  }
}

/** getsockopt(fd, level, name) as an int. Throws {@link SockoptError}. */
export function getIntSockopt(fd: number, level: number, name: number): number {
  checkInt(fd, 'fd', 0);
  checkInt(level, 'level');
  checkInt(name, 'name');
  const a = needAddon();
  try {
    return a.getInt(fd, level, name);
  } catch (e) {
    throw toSockoptError(e, `getsockopt(fd ${fd}, level ${level}, option ${name})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Node socket → fd

export type AnySocket = dgram.Socket | net.Server | net.Socket;

let dgramStateSymbol: symbol | undefined;

/**
 * The OS file descriptor behind a Node socket, or undefined when there is none yet (dgram not
 * bound, server not listening, client still resolving/connecting through Node), it is closed, or
 * the platform has no fds (Windows handles report -1).
 *
 * FRAGILE by necessity — Node has no public API for this:
 * - `net.Socket` / `net.Server`: `_handle.fd` (the TCPWrap `fd` getter). Stable for many majors.
 * - `dgram.Socket`: the UDPWrap lives at `socket[Symbol('state symbol')].handle` (Node's
 *   `internal/dgram` kStateSymbol, found by its description). `socket._handle` would also work
 *   but is a deprecated alias that prints DEP0112. If a future Node renames that symbol this
 *   returns undefined and callers get `ENOFD` (one warning), never a crash.
 */
export function fdOf(socket: AnySocket): number | undefined {
  let handle: unknown;
  if (socket instanceof dgram.Socket) {
    const s = socket as unknown as Record<symbol, { handle?: unknown } | undefined>;
    if (dgramStateSymbol === undefined || !(dgramStateSymbol in s))
      dgramStateSymbol = Object.getOwnPropertySymbols(socket).find((sym) => sym.description === 'state symbol');
    handle = dgramStateSymbol === undefined ? undefined : s[dgramStateSymbol]?.handle;
  } else {
    handle = (socket as unknown as { _handle?: unknown })._handle;
  }
  const fd = (handle as { fd?: unknown } | null | undefined)?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

function fdOrThrow(socket: AnySocket, what: string): number {
  const fd = fdOf(socket);
  if (fd === undefined)
    throw new SockoptError('ENOFD', `${what}: socket has no file descriptor (not bound/listening/connected, closed, or Node internals changed)`);
  return fd;
}

/** Address family of the socket's local address (getsockname): 4, 6, or 0 for others. */
export function socketFamily(socket: AnySocket): 0 | 4 | 6 {
  const a = needAddon();
  const fd = fdOrThrow(socket, 'socketFamily');
  try {
    return a.family(fd);
  } catch (e) {
    throw toSockoptError(e, 'getsockname');
  }
}

/** Integer getsockopt on a Node socket. Throws {@link SockoptError}. */
export function getSocketOption(socket: AnySocket, level: number, name: number): number {
  needAddon();
  return getIntSockopt(fdOrThrow(socket, 'getsockopt'), level, name);
}

/** Integer setsockopt on a Node socket. Throws {@link SockoptError}. */
export function setSocketOption(socket: AnySocket, level: number, name: number, value: number): void {
  needAddon();
  setIntSockopt(fdOrThrow(socket, 'setsockopt'), level, name, value);
}

// ---------------------------------------------------------------------------------------------
// DSCP (spec §7.2)

export interface DscpResult {
  /** At least one of the options was set. */
  ok: boolean;
  /** Local address family of the socket, when it could be read. */
  family?: 0 | 4 | 6;
  /** IP_TOS = dscp << 2 (tried on IPv4 sockets, and on IPv6 ones for v4-mapped traffic). */
  ipTos?: SockoptResult;
  /** IPV6_TCLASS = dscp << 2 (kcp-go passes dscp unshifted, which marks the wrong bits: docs/deviations.md); IPv6 sockets only. */
  ipv6Tclass?: SockoptResult;
  /** Why nothing was attempted (unsupported, no fd, bad dscp). */
  error?: SockoptError;
}

/**
 * Marks a bound UDP socket's traffic with a DSCP value (0..63). Never throws.
 * IPv4 socket: IP_TOS = dscp << 2. IPv6 socket: IPV6_TCLASS = dscp << 2 and also IP_TOS = dscp << 2
 * (Linux applies IP_TOS to the IPv4-mapped traffic of a dual-stack socket); `ok` when either took.
 */
export function setDscp(socket: dgram.Socket, dscp: number): DscpResult {
  try {
    checkInt(dscp, 'dscp', 0, 63);
    const a = needAddon();
    const fd = fdOrThrow(socket, 'setDscp');
    const family = a.family(fd);
    const ipTos = wrap(() => setIntSockopt(fd, constants.IPPROTO_IP, constants.IP_TOS, dscp << 2));
    if (family !== 6) return { ok: ipTos.ok, family, ipTos: strip(ipTos) };
    const ipv6Tclass = wrap(() => setIntSockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_TCLASS, dscp << 2));
    return { ok: ipTos.ok || ipv6Tclass.ok, family, ipTos: strip(ipTos), ipv6Tclass: strip(ipv6Tclass) };
  } catch (e) {
    return { ok: false, error: toSockoptError(e, 'setDscp') };
  }
}

function strip(r: SockoptResult & { value?: unknown }): SockoptResult {
  return r.ok ? { ok: true } : { ok: false, error: r.error };
}

/** IP_TOS read back (the TOS byte: dscp << 2 | ecn). Throws {@link SockoptError}. */
export function getIpTos(socket: AnySocket): number {
  return getSocketOption(socket, constants.IPPROTO_IP, constants.IP_TOS);
}

/** IPV6_TCLASS read back. Throws {@link SockoptError}. */
export function getIpv6Tclass(socket: AnySocket): number {
  return getSocketOption(socket, constants.IPPROTO_IPV6, constants.IPV6_TCLASS);
}

// ---------------------------------------------------------------------------------------------
// TCP Fast Open (spec §7.1)

/**
 * TCP_FASTOPEN = queue on a listening server (kcptunB's client sets 1). Call after 'listening'.
 * Never throws. The kernel only answers TFO SYNs when `net.ipv4.tcp_fastopen` has bit 2 set.
 */
export function enableTcpFastOpenListen(server: net.Server, queue = 1): SockoptResult {
  return strip(
    wrap(() => {
      checkInt(queue, 'queue', 0);
      needAddon();
      setIntSockopt(fdOrThrow(server, 'enableTcpFastOpenListen'), constants.IPPROTO_TCP, constants.TCP_FASTOPEN, queue);
    }),
  );
}

/** TCP_FASTOPEN read back from a listener (the queue length; 0 = off). Throws {@link SockoptError}. */
export function getTcpFastOpen(server: net.Server): number {
  return getSocketOption(server, constants.IPPROTO_TCP, constants.TCP_FASTOPEN);
}

/** TCP_FASTOPEN_CONNECT read back from a client socket (1 = on). Throws {@link SockoptError}. */
export function getTcpFastOpenConnect(socket: net.Socket): number {
  return getSocketOption(socket, constants.IPPROTO_TCP, constants.TCP_FASTOPEN_CONNECT);
}

export interface TcpInfo {
  /** Linux tcpi_state, see {@link TcpState}. */
  state: number;
  /** Segments sent so far, SYN included (0 while a TFO SYN is still deferred). Linux ≥ 4.2. */
  segsOut: number;
  /** The SYN carried data and the peer acknowledged it (TCPI_OPT_SYN_DATA). */
  synData: boolean;
}

/** getsockopt(TCP_INFO) on a TCP socket. Throws {@link SockoptError}. */
export function tcpInfo(socket: net.Socket): TcpInfo {
  const a = needAddon();
  const fd = fdOrThrow(socket, 'tcpInfo');
  try {
    const [state, segsOut, options] = a.tcpInfo(fd);
    return { state, segsOut, synData: (options & constants.TCPI_OPT_SYN_DATA) !== 0 };
  } catch (e) {
    throw toSockoptError(e, 'getsockopt(TCP_INFO)');
  }
}

export interface ConnectFastOpenOptions {
  /**
   * Called (at most once per call) when TCP Fast Open could not be used for this dial: the
   * option was refused by the kernel (the connect still went ahead), or the platform/build is
   * unsupported and a plain `net.connect` was made. Callers warn once globally.
   */
  onWarning?: (reason: SockoptError) => void;
}

/**
 * Dials host:port with TCP_FASTOPEN_CONNECT (Linux option 30) set before connect, as kcptunB's
 * server does for its target (spec §7.1). `host` should be a numeric IP; a name is resolved
 * first with dns.lookup (first address).
 *
 * Semantics follow Go's dialer with that option:
 * - With a cached TFO cookie for the destination (needs `net.ipv4.tcp_fastopen` bit 1 here and
 *   bit 2 on the peer), connect() returns at once and the kernel defers the SYN to the first
 *   write, which then carries the data. The promise resolves immediately; a refused or reset
 *   connection then surfaces as an 'error' event on the socket after that first write.
 *   `timeoutMs` still bounds the handshake: if the SYN has been sent and the socket is still in
 *   SYN_SENT after `timeoutMs`, it is destroyed with ETIMEDOUT (polled every 50 ms, unref'd).
 * - Otherwise (first contact: the SYN asks for a cookie; or TFO disabled) connect() is in progress:
 *   the promise resolves once the handshake completes, and rejects with a SockoptError
 *   (`ECONNREFUSED` & co., or `ETIMEDOUT` after `timeoutMs`).
 * - Unsupported platform/build: plain `net.connect` with the same timeout (onWarning is called).
 *
 * Note the TFO caveat kcptunB shares: in the deferred case nothing reaches the peer until the
 * caller writes, so server-speaks-first protocols wait for the client's first bytes.
 */
export async function connectFastOpen(
  host: string,
  port: number,
  timeoutMs = 5000,
  options: ConnectFastOpenOptions = {},
): Promise<net.Socket> {
  checkInt(port, 'port', 0, 65535);
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)
    throw new SockoptError('ERR_ARG', `timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
  const started = Date.now();
  const a = addon;
  if (!a) {
    options.onWarning?.(unsupported());
    return plainConnect(host, port, timeoutMs);
  }
  let ip = host;
  let family = net.isIP(host) as 0 | 4 | 6;
  if (family === 0) {
    const addr = await withTimeout(dns.promises.lookup(host), timeoutMs, `dns lookup ${host}`);
    ip = addr.address;
    family = addr.family as 4 | 6;
  }
  const left = Math.max(0, timeoutMs - (Date.now() - started));

  let fd: number, inProgress: 0 | 1, tfoErrno: number;
  try {
    [fd, inProgress, tfoErrno] = a.connectTfo(ip, port, family as 4 | 6);
  } catch (e) {
    throw toSockoptError(e, `connect ${ip}:${port}`);
  }
  if (tfoErrno !== 0) {
    options.onWarning?.(
      new SockoptError(errnoNames.get(tfoErrno) ?? `E${tfoErrno}`, `setsockopt(TCP_FASTOPEN_CONNECT) failed, dialling without TFO`, tfoErrno, 'setsockopt'),
    );
  }
  let socket: net.Socket;
  try {
    socket = new net.Socket({ fd, readable: true, writable: true });
  } catch (e) {
    // Never seen on Linux; kept so a Node change degrades to a normal dial instead of failing.
    try {
      a.closeFd(fd);
    } catch {
      /* already closed */
    }
    options.onWarning?.(
      new SockoptError('ERR_NATIVE', `net.Socket could not adopt the TFO fd (${e instanceof Error ? e.message : String(e)}); using net.connect`),
    );
    return plainConnect(ip, port, left);
  }
  if (!inProgress) {
    if (Number.isFinite(left)) watchDeferredHandshake(a, socket, fd, left);
    return socket;
  }
  return waitEstablished(a, socket, fd, left, `${ip}:${port}`);
}

function timeoutError(what: string, ms: number): SockoptError {
  return new SockoptError('ETIMEDOUT', `${what}: timed out after ${ms} ms`, os.constants.errno.ETIMEDOUT, 'connect');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(timeoutError(what, ms)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** The unsupported path: an ordinary dial, resolved on 'connect'. */
function plainConnect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          socket.destroy();
          reject(timeoutError(`connect ${host}:${port}`, timeoutMs));
        }, timeoutMs)
      : undefined;
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (e: Error) => {
      clearTimeout(timer);
      reject(fromNodeError(e, `connect ${host}:${port}`));
    };
    socket.once('error', onError);
  });
}

/** True while `fd` still belongs to the live socket (guards getsockopt against a reused fd). */
function ownsFd(socket: net.Socket, fd: number): boolean {
  return !socket.destroyed && fdOf(socket) === fd;
}

/** connect() returned EINPROGRESS: resolve when the kernel reports the handshake done. */
function waitEstablished(a: Addon, socket: net.Socket, fd: number, timeoutMs: number, what: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let done = false;
    let poll: NodeJS.Timeout | undefined;
    let delay = 0;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(poll);
      clearTimeout(deadline);
      socket.off('error', finish);
      if (err) {
        socket.destroy();
        reject(fromNodeError(err, `connect ${what}`));
      } else resolve(socket);
    };
    const deadline = Number.isFinite(timeoutMs) ? setTimeout(() => finish(timeoutError(`connect ${what}`, timeoutMs)), timeoutMs) : undefined;
    socket.once('error', finish); // e.g. ECONNREFUSED seen first by libuv's read
    const check = () => {
      if (done) return;
      if (!ownsFd(socket, fd)) return finish(new SockoptError('ECONNRESET', `connect ${what}: socket closed during the handshake`));
      let state: number;
      try {
        state = a.tcpInfo(fd)[0];
      } catch (e) {
        return finish(toSockoptError(e, `connect ${what}`));
      }
      if (state === TcpState.SYN_SENT) {
        delay = Math.min(delay === 0 ? 1 : delay * 2, 25);
        poll = setTimeout(check, delay);
        return;
      }
      if (state === TcpState.CLOSE) {
        let errno = 0;
        try {
          errno = a.getInt(fd, constants.SOL_SOCKET, constants.SO_ERROR);
        } catch {
          /* keep 0 */
        }
        errno ||= os.constants.errno.ECONNREFUSED;
        return finish(new SockoptError(errnoNames.get(errno) ?? `E${errno}`, `connect ${what}: ${errnoNames.get(errno) ?? errno}`, errno, 'connect'));
      }
      finish(); // ESTABLISHED (or already past it: data + FIN arrived)
    };
    setImmediate(check);
  });
}

/**
 * Deferred-SYN case: once the first write has sent the SYN, destroy the socket with ETIMEDOUT
 * if the handshake has not completed within timeoutMs. Stops as soon as the state leaves SYN_SENT.
 */
function watchDeferredHandshake(a: Addon, socket: net.Socket, fd: number, timeoutMs: number): void {
  let synSentAt: number | undefined;
  const timer = setInterval(() => {
    if (!ownsFd(socket, fd)) return clearInterval(timer);
    let state: number, segsOut: number;
    try {
      [state, segsOut] = a.tcpInfo(fd);
    } catch {
      return clearInterval(timer);
    }
    if (state !== TcpState.SYN_SENT) return clearInterval(timer);
    if (segsOut === 0) return; // the caller has not written yet: no SYN on the wire
    synSentAt ??= Date.now();
    if (Date.now() - synSentAt >= timeoutMs) {
      clearInterval(timer);
      socket.destroy(timeoutError('connect (TCP Fast Open handshake)', timeoutMs));
    }
  }, 50);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}

/** Reads /proc/sys/net/ipv4/tcp_fastopen (bit 1 client, bit 2 server); undefined if unreadable. */
export async function readTcpFastOpenSysctl(): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const { readFile } = await import('node:fs/promises');
    const v = Number.parseInt((await readFile('/proc/sys/net/ipv4/tcp_fastopen', 'utf8')).trim(), 10);
    return Number.isNaN(v) ? undefined : v;
  } catch {
    return undefined;
  }
}
