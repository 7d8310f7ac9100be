/**
 * socks5 wire constants and the 10-byte reply used on both sides of
 * kcptunB's built-in proxy (docs/protocol.md §6.2, §6.3): `05 REP 00 01` + a zero IPv4
 * address and port. kcptunB never reports the bound address, and neither do we.
 */

export const SOCKS_VERSION = 0x05;
export const SOCKS_CMD_CONNECT = 0x01;
export const SOCKS_ATYP_IPV4 = 0x01; // 4 address bytes
export const SOCKS_ATYP_DOMAIN = 0x03; // length byte + name
export const SOCKS_ATYP_IPV6 = 0x04; // 16 address bytes
/** kcptunB private address type: ASCII `host:port` to the end of the read (the http client's stream head, docs/protocol.md §6.4). */
export const SOCKS_ATYP_HOSTPORT = 0x05;

/** RFC 1928 reply codes (the REP byte). */
export const SocksRep = {
  Succeeded: 0x00,
  GeneralFailure: 0x01,
  NotAllowed: 0x02,
  NetworkUnreachable: 0x03, // also: the tunnel gave no (complete) reply (docs/protocol.md §6.3 step 4)
  HostUnreachable: 0x04,
  ConnectionRefused: 0x05, // kcptunB's code for every dial error but a timeout (docs/protocol.md §6.2)
  TtlExpired: 0x06, // kcptunB's code for a dial timeout
  CommandNotSupported: 0x07,
  AddressTypeNotSupported: 0x08,
} as const;

export type SocksRepCode = (typeof SocksRep)[keyof typeof SocksRep];

/** Length of every reply: `05 REP 00 01 0.0.0.0 :0`. */
export const SOCKS_REPLY_LENGTH = 10;

/** The method-selection answer to a greeting: version 5, "no authentication". */
export const SOCKS_METHOD_NO_AUTH = 0x00;
/** The method-selection answer when no offered method is acceptable. */
export const SOCKS_METHOD_NONE_ACCEPTABLE = 0xff;

/** `05 rep 00 01 00 00 00 00 00 00` (a fresh array each call). */
export function socksReply(rep: number): Uint8Array {
  if (!Number.isInteger(rep) || rep < 0 || rep > 0xff) throw new RangeError(`socks reply code ${rep} is not a byte`);
  const out = new Uint8Array(SOCKS_REPLY_LENGTH);
  out[0] = 0x05;
  out[1] = rep;
  out[3] = 0x01;
  return out;
}

/** `05 method`: the answer to a greeting. */
export function socksMethodSelection(method: number): Uint8Array {
  return Uint8Array.of(0x05, method);
}

const REP_TEXT: Readonly<Record<number, string>> = {
  0x00: 'succeeded',
  0x01: 'general failure',
  0x02: 'connection not allowed',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'TTL expired (timeout)',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

/** Human text for a REP code, for logs and the HTTP 502 body. */
export function socksRepText(rep: number): string {
  return REP_TEXT[rep] ?? `unknown reply code ${rep}`;
}
