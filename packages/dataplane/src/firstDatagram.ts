/**
 * Whether a datagram from an unknown address may open a server session, and
 * with which conv (spec §3.9): after the crypto prefix, an FEC data shard
 * (type F1) carries KCP at offset 8, a raw KCP datagram at offset 0; parity
 * never opens a session. The KCP header must be complete with a known command.
 */
import { FEC_DATA_HEADER_SIZE, FEC_TYPE_DATA, isFecPacket, readType } from '@kcptunb/fec';
import { CMD_PUSH, CMD_WINS, KCP_OVERHEAD, readU32 } from '@kcptunb/kcp';

/** The conv to adopt, or undefined when this datagram cannot start a session. */
export function convOfFirstDatagram(plain: Uint8Array): number | undefined {
  let at = 0;
  if (isFecPacket(plain)) {
    if (readType(plain) !== FEC_TYPE_DATA) return undefined;
    at = FEC_DATA_HEADER_SIZE;
  }
  if (plain.length - at < KCP_OVERHEAD) return undefined;
  const cmd = plain[at + 4]!;
  if (cmd < CMD_PUSH || cmd > CMD_WINS) return undefined;
  return readU32(plain, at);
}
