/**
 * Reading the `fast` server's 10-byte reply on the client side (docs/protocol.md §6.3
 * step 4, §6.4 step 4). kcptunB does one read of up to 10 bytes and calls
 * anything shorter a failure; a reply always leaves the server as one write,
 * so it arrives as one smux frame, but the reader accepts it in pieces anyway
 * and decides on a short reply only when the stream ends. Bytes after the
 * reply are the target's first bytes: they are returned, not lost.
 */
import { EMPTY_BYTES, GrowableBytes } from './bytes.js';
import { SOCKS_REPLY_LENGTH, SocksRep } from './socksReply.js';

/** Length of the `fast` server's reply. */
export const TUNNEL_REPLY_LENGTH = SOCKS_REPLY_LENGTH;

export type TunnelReplyOutcome =
  /** The server connected; `leftover` = bytes that followed the reply (from the target: give them to the application). */
  | { readonly ok: true; readonly rep: 0; readonly truncated: false; readonly leftover: Uint8Array }
  /**
   * The server could not connect (`rep` = its REP byte), or the stream ended
   * before 10 bytes came (`truncated`, `rep` = 03).
   */
  | { readonly ok: false; readonly rep: number; readonly truncated: boolean; readonly leftover: Uint8Array };

/** Incremental reader: `push` each stream read, `end` on EOF. */
export class TunnelReplyReader {
  private readonly got = new GrowableBytes(TUNNEL_REPLY_LENGTH);
  private outcome: TunnelReplyOutcome | null = null;

  /** The decision, once made. */
  get result(): TunnelReplyOutcome | null {
    return this.outcome;
  }

  /** Feed stream bytes; returns the outcome once 10 bytes are in, else null. */
  push(chunk: Uint8Array): TunnelReplyOutcome | null {
    if (this.outcome) return this.outcome;
    const missing = TUNNEL_REPLY_LENGTH - this.got.length;
    this.got.append(chunk.length > missing ? chunk.subarray(0, missing) : chunk);
    if (this.got.length < TUNNEL_REPLY_LENGTH) return null;
    const rep = this.got.view()[1]!; // 10 bytes are in
    const leftover = chunk.length > missing ? chunk.subarray(missing) : EMPTY_BYTES;
    // Only byte 1 is checked, as kcptunB does (docs/protocol.md §6.3 step 4).
    this.outcome = rep === SocksRep.Succeeded ? { ok: true, rep: 0, truncated: false, leftover } : { ok: false, rep, truncated: false, leftover };
    return this.outcome;
  }

  /** The stream ended (or failed): without a whole reply that is REP 03. */
  end(): TunnelReplyOutcome {
    if (!this.outcome) this.outcome = { ok: false, rep: SocksRep.NetworkUnreachable, truncated: true, leftover: EMPTY_BYTES };
    return this.outcome;
  }
}

/**
 * kcptunB's single-read rule: `bytes` is what one read of the stream gave
 * (null = the stream was closed). Fewer than 10 bytes → REP 03.
 */
export function tunnelReplyOutcome(bytes: Uint8Array | null): TunnelReplyOutcome {
  const reader = new TunnelReplyReader();
  return (bytes && reader.push(bytes)) || reader.end();
}
