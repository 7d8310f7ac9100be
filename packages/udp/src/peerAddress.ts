/**
 * Peer addresses without a JS object per datagram: the addon writes each sender as 24 packed bytes
 * (family u16, port u16, 16 address bytes, scope id u32; little-endian). A server demultiplexes by
 * `peerKey` — a number for IPv4 (address · 65536 + port, exact in a double), a string for IPv6 —
 * and formats `peerText` only when it opens a session.
 */
import { isIPv6 } from 'node:net';
import { ADDR_BYTES } from './addon.js';

export type PeerKey = number | string;

/** A destination for `send`: the packed bytes, the demultiplexing key and the text form. */
export interface PeerAddress {
  readonly bytes: Uint8Array;
  readonly key: PeerKey;
  readonly text: string;
  readonly address: string;
  readonly port: number;
}

export function peerKey(packed: Uint8Array, at: number): PeerKey {
  const family = packed[at]! | (packed[at + 1]! << 8);
  const port = packed[at + 2]! | (packed[at + 3]! << 8);
  if (family === 4) {
    const ip = packed[at + 4]! * 16777216 + (packed[at + 5]! << 16) + (packed[at + 6]! << 8) + packed[at + 7]!;
    return ip * 65536 + port;
  }
  return `${addressText(packed, at)}|${port}`;
}

function addressText(packed: Uint8Array, at: number): string {
  const family = packed[at]! | (packed[at + 1]! << 8);
  if (family === 4) return `${packed[at + 4]}.${packed[at + 5]}.${packed[at + 6]}.${packed[at + 7]}`;
  const words: string[] = [];
  for (let i = 0; i < 8; i++) words.push(((packed[at + 4 + 2 * i]! << 8) | packed[at + 5 + 2 * i]!).toString(16));
  // the shortest form is not needed for a key, but logs read better with it
  return compressIPv6(words.join(':'));
}

function compressIPv6(full: string): string {
  const parts = full.split(':');
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < parts.length; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < parts.length && parts[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best < 0) return full;
  const head = parts.slice(0, best).join(':');
  const tail = parts.slice(best + bestLength).join(':');
  return `${head}::${tail}`;
}

/** The peer of slot `at` (bytes copied: the receive buffer is reused). */
export function peerAt(packed: Uint8Array, at: number): PeerAddress {
  const port = packed[at + 2]! | (packed[at + 3]! << 8);
  const address = addressText(packed, at);
  const family = packed[at]! | (packed[at + 1]! << 8);
  return { bytes: packed.slice(at, at + ADDR_BYTES), key: peerKey(packed, at), text: family === 6 ? `[${address}]:${port}` : `${address}:${port}`, address, port };
}

/** Pack an IP literal and port (the dgram fallback's rinfo, or a configured destination). */
export function packPeer(address: string, port: number): PeerAddress {
  const bytes = new Uint8Array(ADDR_BYTES);
  const six = isIPv6(address);
  bytes[0] = six ? 6 : 4;
  bytes[2] = port & 0xff;
  bytes[3] = port >>> 8;
  if (six) {
    const [head = '', tail = ''] = address.split('%')[0]!.split('::') as [string, string?];
    const h = head ? head.split(':') : [];
    const t = address.includes('::') && tail ? tail.split(':') : [];
    const groups = address.includes('::') ? [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    groups.forEach((g, i) => {
      const v = parseInt(g, 16) || 0;
      bytes[4 + 2 * i] = v >>> 8;
      bytes[5 + 2 * i] = v & 0xff;
    });
  } else {
    address.split('.').forEach((o, i) => (bytes[4 + i] = Number(o)));
  }
  return peerAt(bytes, 0);
}
