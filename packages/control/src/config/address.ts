/**
 * `host:port` addresses of the flags, parsed once (docs/protocol.md §7.9): `host:port`,
 * `[v6]:port`, `:port` where every interface is meant, IPv4 literals and host
 * names. Runtime code receives the parsed form and never splits strings again.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';

export interface HostPort {
  /** IPv4 literal, IPv6 literal without brackets, or a host name; '' = every interface (listen addresses only). */
  host: string;
  port: number;
  /** kcptun's port range `host:port-lastPort` (inclusive; absent = the one port). */
  lastPort?: number;
}

export interface AddressRules {
  /** `:port` allowed, meaning every interface (listen addresses). */
  anyHost: boolean;
  /** Port 0 allowed: the kernel picks one. */
  portZero: boolean;
  /** Only IP literals (resolver addresses cannot be names). */
  ipOnly?: boolean;
  /** kcptun's `host:min-max` port range allowed (the server's UDP listen, the client's server address). */
  portRange?: boolean;
}

export type AddressResult = { ok: true; address: HostPort } | { ok: false; reason: string };

const fail = (reason: string): AddressResult => ({ ok: false, reason });

/** Letters, digits, dots, hyphens, underscores: what DNS names and IPv4 literals are made of. */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

export function parseAddress(text: string, rules: AddressRules): AddressResult {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (!m) return fail('expected [IPv6]:port');
    if (m[2] === undefined) return fail('missing port (expected [IPv6]:port)');
    host = m[1]!;
    portText = m[2];
    if (!isIPv6(host)) return fail(`[${host}] is not an IPv6 address (brackets are for IPv6 literals)`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return fail('missing port (expected host:port)');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    // "::1:80" could be the address ::1 port 80 or the address ::1:80: Go refuses it, so do we
    if (host.includes(':')) return fail(isIPv6(text) || isIPv6(host) ? 'an IPv6 address needs brackets, e.g. [::1]:80' : 'too many colons (IPv6 addresses go in brackets: [::1]:80)');
    if (host === '') {
      if (!rules.anyHost) return fail('missing host');
    } else if (/^[0-9.]+$/.test(host) ? !isIPv4(host) : !HOST_NAME.test(host)) {
      return fail(`"${host}" is neither an IP address nor a host name`);
    }
  }
  if (rules.ipOnly && !isIP(host)) return fail(`"${host}" is not an IP address`);
  if (portText === '') return fail('missing port');
  const range = /^([0-9]+)-([0-9]+)$/.exec(portText);
  if (range) {
    if (!rules.portRange) return fail('port ranges (host:minport-maxport) are only for the server\'s --listen and the client\'s --remoteaddr');
    const [first, last] = [Number(range[1]), Number(range[2])];
    if (first < 1 || last > 65535 || first > last) return fail(`port range ${portText} is not minport-maxport within 1-65535`);
    return { ok: true, address: first === last ? { host, port: first } : { host, port: first, lastPort: last } };
  }
  if (!/^[0-9]+$/.test(portText)) return fail(`port "${portText}" is not a number`);
  const port = Number(portText);
  const min = rules.portZero ? 0 : 1;
  if (port < min || port > 65535) return fail(`port ${portText} is out of range (${min}-65535)`);
  return { ok: true, address: { host, port } };
}

/**
 * The address of a local HTTP service (--metrics, --dashboard): `host:port` as parseAddress
 * takes it (`:port` = every interface, port 0 = any free port), or a bare port, which means
 * 127.0.0.1 — what such an endpoint should default to, since it has no authentication.
 */
export function parseServiceAddress(text: string): AddressResult {
  if (/^[0-9]+$/.test(text)) return parseAddress(`127.0.0.1:${text}`, { anyHost: false, portZero: true });
  return parseAddress(text, { anyHost: true, portZero: true });
}

/** The ports of an address: its one port, or every port of its range. */
export function portsOf(a: HostPort): number[] {
  const last = a.lastPort ?? a.port;
  return Array.from({ length: last - a.port + 1 }, (_, i) => a.port + i);
}

/** `host:port` text as a log line shows it: an IPv6 host (`::1:80`, as Node prints it) gets its brackets. */
export function bracketHostPort(text: string): string {
  if (text.startsWith('[')) return text;
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  return colon > 0 && host.includes(':') ? `[${host}]${text.slice(colon)}` : text;
}

/** `host:port` of a socket's address pair (IPv6 bracketed); `?` where the socket no longer knows it. */
export function socketAddress(address: string | undefined, port: number | undefined): string {
  if (address === undefined || port === undefined) return '?';
  return formatAddress({ host: address, port });
}

/** `host:port`, bracketing IPv6 literals: the inverse of parseAddress. */
export function formatAddress(a: HostPort): string {
  const ports = a.lastPort === undefined ? `${a.port}` : `${a.port}-${a.lastPort}`;
  return a.host.includes(':') ? `[${a.host}]:${ports}` : `${a.host}:${ports}`;
}
