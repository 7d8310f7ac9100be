/**
 * Whether a datagram from an unknown address may open a server session, and
 * with which conv (docs/protocol.md §3.9): a bare KCP datagram or an FEC data shard whose
 * KCP bytes begin with a complete header of a known command; parity never
 * opens a session.
 */
import { kcpBytesOf } from '@kcptunb/fec';
import { emptySegmentHeader, isKnownCommand, readSegmentHeader } from '@kcptunb/kcp';

const header = emptySegmentHeader();

/** The conv to adopt, or undefined when this datagram (after the crypto prefix) cannot start a session. */
export function convOfFirstDatagram(plain: Uint8Array): number | undefined {
  const kcp = kcpBytesOf(plain);
  if (!kcp || !readSegmentHeader(kcp, 0, header) || !isKnownCommand(header.cmd)) return undefined;
  return header.conv;
}
