/**
 * Proxy targets: what a request asks the tunnel to connect to, in the form
 * Node's `net.connect({ host, port })` takes (IPv6 without brackets), plus
 * the text forms kcptunB uses (`host:port`, `[v6]:port`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { uint16BE } from './bytes.js';
import { InvalidTargetError } from './errors.js';

export type ProxyTargetKind = 'ipv4' | 'ipv6' | 'domain';

export interface ProxyTarget {
  readonly kind: ProxyTargetKind;
  /** Address or name, IPv6 without brackets. Never empty. */
  readonly host: string;
  /** 1–65535 (0 only when a socks5 request said so; the `fast` server refuses it). */
  readonly port: number;
}

/** `host:port`, or `[v6]:port` — for logs and for the http client's stream head. */
export function formatTarget(target: ProxyTarget): string {
  return target.kind === 'ipv6' ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** Dotted text of the 4 bytes `b` (callers pass a 4-byte view). */
export function formatIPv4(b: Uint8Array): string {
  return Array.from(b.subarray(0, 4)).join('.');
}

/** RFC 5952 text of 16 bytes: lower-case, longest run (≥ 2) of zero groups as `::`, v4-mapped dotted. */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(uint16BE(b, i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(b.subarray(12, 16))}`;
  }
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

export function targetKind(host: string): ProxyTargetKind {
  if (isIPv4(host)) return 'ipv4';
  if (isIPv6(host)) return 'ipv6';
  return 'domain';
}

/** A decimal port 1–65535 (leading zeros allowed, like Go), else null. */
export function parsePort(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/**
 * Go's `net.SplitHostPort`: `host:port` or `[host]:port`; a bare host with
 * more than one colon is an error ("too many colons"). Throws InvalidTargetError.
 */
export function splitHostPort(hostport: string): { host: string; port: string; bracketed: boolean } {
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw new InvalidTargetError(hostport, "missing ']' in address");
    if (close + 1 === hostport.length) throw new InvalidTargetError(hostport, 'missing port in address');
    if (hostport[close + 1] !== ':') throw new InvalidTargetError(hostport, "unexpected text after ']'");
    const host = hostport.slice(1, close);
    const port = hostport.slice(close + 2);
    if (host.includes('[') || host.includes(']') || port.includes('[') || port.includes(']')) {
      throw new InvalidTargetError(hostport, 'unexpected bracket in address');
    }
    return { host, port, bracketed: true };
  }
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) throw new InvalidTargetError(hostport, 'missing port in address');
  const host = hostport.slice(0, colon);
  if (host.includes(':')) throw new InvalidTargetError(hostport, 'too many colons in address');
  if (host.includes('[') || host.includes(']')) throw new InvalidTargetError(hostport, 'unexpected bracket in address');
  return { host, port: hostport.slice(colon + 1), bracketed: false };
}

/** `host:port` text → a dialable target (non-empty host, numeric port 1–65535, valid bracketed IPv6). */
export function parseHostPort(hostport: string): ProxyTarget {
  const { host, port: portText, bracketed } = splitHostPort(hostport);
  if (host.length === 0) throw new InvalidTargetError(hostport, 'empty host');
  if (bracketed && !isIPv6(host)) throw new InvalidTargetError(hostport, 'not an IPv6 address inside brackets');
  const port = parsePort(portText);
  if (port === null) throw new InvalidTargetError(hostport, `bad port ${JSON.stringify(portText)}`);
  return { kind: targetKind(host), host, port };
}
