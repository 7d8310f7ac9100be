/** DSCP marking of UDP sockets (docs/protocol.md §7.2). */
import type dgram from 'node:dgram';
import { needAddon } from './addon.js';
import { constants } from './constants.js';
import { checkInt, strip, toSockoptError, wrap, type SockoptError, type SockoptResult } from './errors.js';
import { fdOrThrow, getSocketOption, setIntSockopt, type AnySocket } from './sockets.js';

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

/** IP_TOS read back (the TOS byte: dscp << 2 | ecn). Throws {@link SockoptError}. */
export function getIpTos(socket: AnySocket): number {
  return getSocketOption(socket, constants.IPPROTO_IP, constants.IP_TOS);
}

/** IPV6_TCLASS read back. Throws {@link SockoptError}. */
export function getIpv6Tclass(socket: AnySocket): number {
  return getSocketOption(socket, constants.IPPROTO_IPV6, constants.IPV6_TCLASS);
}
