/** TCP Fast Open on listeners, its read-backs, TCP_INFO and the sysctl (docs/protocol.md §7.1). */
import type net from 'node:net';
import { needAddon } from './addon.js';
import { constants } from './constants.js';
import { checkInt, strip, toSockoptError, wrap, type SockoptResult } from './errors.js';
import { fdOrThrow, getSocketOption, setIntSockopt } from './sockets.js';

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
