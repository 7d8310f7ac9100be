/**
 * The 8-byte FEC header kcp-go puts after the crypto prefix (docs/protocol.md §2.2):
 *   seqid u32 | type u16 (0xF1 data, 0xF2 parity) | size u16 (data only, counts itself)
 * Offsets here are relative to the start of the FEC header (datagram byte 20).
 */

export const FEC_TYPE_DATA = 0xf1;
export const FEC_TYPE_PARITY = 0xf2;
/** kcp-go ≥ 5.6.60 out-of-band datagrams (docs/protocol.md §2.7): accepted, counted, never fed to KCP. */
export const FEC_TYPE_OOB = 0xf3;
/** seqid + type. */
export const FEC_HEADER_SIZE = 6;
/** seqid + type + size: what precedes the KCP bytes of a data shard. */
export const FEC_DATA_HEADER_SIZE = 8;
/** Parity groups may span at most this many shards (Reed–Solomon over GF(2^8)). */
export const MAX_TOTAL_SHARDS = 256;

export function readSeqid(packet: Uint8Array, at = 0): number {
  return (packet[at]! | (packet[at + 1]! << 8) | (packet[at + 2]! << 16) | (packet[at + 3]! << 24)) >>> 0;
}

export function readType(packet: Uint8Array, at = 0): number {
  return packet[at + 4]! | (packet[at + 5]! << 8);
}

/**
 * Per-datagram FEC detection as stock kcptun does it (docs/protocol.md §2.6): an FEC packet
 * has type F1/F2 where a raw KCP segment has its cmd (81–84) and frg bytes.
 */
export function isFecPacket(packet: Uint8Array, at = 0): boolean {
  if (packet.length - at < FEC_HEADER_SIZE) return false;
  const type = readType(packet, at);
  return type === FEC_TYPE_DATA || type === FEC_TYPE_PARITY;
}

/** An out-of-band datagram of kcp-go ≥ 5.6.60 (type 0xF3 where FEC puts its type). */
export function isOobPacket(packet: Uint8Array, at = 0): boolean {
  return packet.length - at >= FEC_HEADER_SIZE && readType(packet, at) === FEC_TYPE_OOB;
}

/** What a datagram (after the crypto prefix) is, as the receiver tells them apart. */
export const PacketKind = {
  /** A bare KCP datagram (FEC off at the sender). */
  KCP: 0,
  FEC_DATA: 1,
  FEC_PARITY: 2,
} as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

export function classifyPacket(packet: Uint8Array): PacketKind {
  if (!isFecPacket(packet)) return PacketKind.KCP;
  return readType(packet) === FEC_TYPE_DATA ? PacketKind.FEC_DATA : PacketKind.FEC_PARITY;
}

/** The KCP bytes of a data shard (after seqid, type and size); undefined when the header is cut short. */
export function dataShardKcp(packet: Uint8Array): Uint8Array | undefined {
  return packet.length < FEC_DATA_HEADER_SIZE ? undefined : packet.subarray(FEC_DATA_HEADER_SIZE);
}

/**
 * The KCP bytes a datagram carries without FEC decoding: all of a bare KCP
 * datagram, the body of a data shard, nothing for parity.
 */
export function kcpBytesOf(packet: Uint8Array): Uint8Array | undefined {
  switch (classifyPacket(packet)) {
    case PacketKind.KCP:
      return packet;
    case PacketKind.FEC_DATA:
      return dataShardKcp(packet);
    default:
      return undefined;
  }
}

export function writeDataHeader(out: Uint8Array, at: number, seqid: number, kcpLength: number): void {
  writeU32(out, at, seqid);
  out[at + 4] = FEC_TYPE_DATA;
  out[at + 5] = 0;
  const size = kcpLength + 2;
  out[at + 6] = size & 0xff;
  out[at + 7] = size >>> 8;
}

export function writeParityHeader(out: Uint8Array, at: number, seqid: number): void {
  writeU32(out, at, seqid);
  out[at + 4] = FEC_TYPE_PARITY;
  out[at + 5] = 0;
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

/**
 * Where seqids wrap (docs/protocol.md §2.3): a multiple of the group size n so groups stay
 * aligned. kcptunB (kcp-go 5.1.3) and stock (5.6.1) differ by one group.
 */
export function seqidWrap(n: number, flavour: 'kcptunB' | 'stock' = 'kcptunB'): number {
  const groups = Math.floor(0xffffffff / n);
  return (flavour === 'kcptunB' ? groups - 1 : groups) * n;
}
