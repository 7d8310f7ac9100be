/** Integer socket options by fd, and the fd behind a Node socket. */
import dgram from 'node:dgram';
import type net from 'node:net';
import { needAddon } from './addon.js';
import { checkInt, SockoptError, toSockoptError } from './errors.js';

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

export function fdOrThrow(socket: AnySocket, what: string): number {
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
