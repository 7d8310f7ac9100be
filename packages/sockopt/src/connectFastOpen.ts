/** The client dial with TCP_FASTOPEN_CONNECT set before connect (docs/protocol.md §7.1), and its plain fallback. */
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import { loadedAddon, unsupported, type Addon } from './addon.js';
import { constants, TcpState } from './constants.js';
import { checkInt, errnoNames, fromNodeError, SockoptError, timeoutError, toSockoptError } from './errors.js';
import { fdOf } from './sockets.js';

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
 * server does for its target (docs/protocol.md §7.1). `host` should be a numeric IP; a name is resolved
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
  const a = loadedAddon();
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

/** connect() returned EINPROGRESS: resolve when the kernel reports the handshake done (Go's dialer waits for writability the same way). */
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
    // An empty write waits in libuv for POLLOUT, which a connecting socket raises once the
    // handshake is done (or failed: then it completes with the error) — the kernel's own
    // readiness instead of a polling interval. `check` confirms the state, and polls only if a
    // platform completed the empty write before the handshake.
    socket.write(EMPTY, (err) => (err ? finish(err) : check()));
  });
}

const EMPTY = Buffer.alloc(0);

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
