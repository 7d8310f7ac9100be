/**
 * Whether a datagram from an unknown address may start a server session, and
 * with which conv (docs/protocol.md §3.9): a bare KCP datagram or an FEC data shard whose
 * KCP bytes begin with a complete header of a known command; parity never
 * opens a session. A first segment whose una is not 0 belongs to a conversation this
 * server never took part in (§3.10): it is answered with a reset, not a session.
 */
import { kcpBytesOf } from '@kcptunb/fec';
import { emptySegmentHeader, isKnownCommand, isStaleConversation, readSegmentHeader } from '@kcptunb/kcp';

const header = emptySegmentHeader();

/** What the first datagram of an unknown address asks for. */
export type FirstDatagram = { conv: number; stale: boolean };

/** The conv and whether it is stale, or undefined when this datagram (after the crypto prefix) cannot start a session. */
export function readFirstDatagram(plain: Uint8Array): FirstDatagram | undefined {
  const kcp = kcpBytesOf(plain);
  if (!kcp || !readSegmentHeader(kcp, 0, header) || !isKnownCommand(header.cmd)) return undefined;
  return { conv: header.conv, stale: isStaleConversation(header) };
}

/** The conv to adopt, or undefined when this datagram (after the crypto prefix) cannot start a session. */
export function convOfFirstDatagram(plain: Uint8Array): number | undefined {
  return readFirstDatagram(plain)?.conv;
}
