/**
 * Loading the batched-UDP addon (through @kcptunb/native: a developer build or the committed
 * prebuilt): absent off Linux, when `KCPTUNB_UDP=dgram` asks for the node:dgram path, or when no
 * binary matches this machine; callers then use the fallback (`dgramEndpoint.ts`).
 */
import { loadAddon } from '@kcptunb/native';

/** Indices of a socket's stats array (Float64Array, filled by the addon). */
export const STAT = {
  SEND_ERRORS: 0,
  LAST_SEND_ERRNO: 1,
  TRUNCATED: 2,
  RECV_ERRORS: 3,
  LAST_RECV_ERRNO: 4,
  SEND_CALLS: 5,
  RECV_CALLS: 6,
  GSO_SENDS: 7,
  GSO_FAILED: 8,
  RECV_TAKEN: 9,
} as const;
export const STAT_COUNT = 10;

/** Bytes of a packed peer address (family, port, 16 address bytes, scope id). */
export const ADDR_BYTES = 24;

export interface UdpAddon {
  open(family: 4 | 6, address: string, port: number, reusePort: boolean): number;
  connect(fd: number, family: 4 | 6, address: string, port: number): void;
  setInt(fd: number, level: number, name: number, value: number): void;
  getInt(fd: number, level: number, name: number): number;
  local(fd: number): [address: string, port: number];
  close(fd: number): void;
  /** `dests`: each datagram's destination address (packed, port 0; family 0 when none), needs IP_PKTINFO / IPV6_RECVPKTINFO on. */
  recv(fd: number, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, first: number, max: number, addrs: Uint8Array | null, stats: Float64Array, dests?: Uint8Array | null): number;
  send(fd: number, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, first: number, count: number, to: Uint8Array | null, stats: Float64Array, gso: boolean): number;
  poll(fd: number, onEvents: (events: number) => void): object;
  pollEvents(poller: object, events: number): void;
  pollClose(poller: object): void;
  /** malloc_trim(0) (glibc): true when memory was given back to the OS. */
  trimHeap(): boolean;
}

let addon: UdpAddon | undefined;
let reason: string | undefined;
if (process.platform !== 'linux') {
  reason = `batched UDP is implemented for Linux only (platform ${process.platform})`;
} else if (process.env.KCPTUNB_UDP === 'dgram') {
  reason = 'KCPTUNB_UDP=dgram';
} else {
  // a developer build (build/Release), else the committed prebuilt (prebuilds/<platform>-<arch>/,
  // also shipped in the kcptunb bundle)
  const loaded = loadAddon<UdpAddon>('udp', new URL('..', import.meta.url));
  if (loaded.ok) addon = loaded.addon;
  else reason = `native addon udp not loadable: ${loaded.reason}`;
}

/** The addon, or undefined with the reason the fallback is used. */
export function udpAddon(): { addon: UdpAddon } | { addon: undefined; reason: string } {
  return addon ? { addon } : { addon: undefined, reason: reason ?? 'unavailable' };
}

/**
 * Give the heap's free pages back to the OS (glibc malloc_trim), for a server whose sessions came
 * and went; undefined when the addon (or this function in it) is unavailable.
 */
export function trimHeap(): boolean | undefined {
  return typeof addon?.trimHeap === 'function' ? addon.trimHeap() : undefined;
}
