/**
 * What every proxy handshake (client socks5/http, server fast) answers to a push, and the
 * guard that opens each `push`: once the request is complete the handshake waits for an
 * answer (the tunnel's reply, or the dial), and bytes that arrive meanwhile are held.
 */
import { EMPTY_BYTES, type HeldBytes } from './bytes.js';
import { ProxyStateError, type ProxyRequestError } from './errors.js';

/** Not enough bytes yet. `reply` may hold bytes for the peer (the socks5 method selection). */
export type NeedMoreStep = { readonly kind: 'need-more'; readonly reply: Uint8Array };
/** Bad request: write `reply` (may be empty), then close. */
export type RejectStep = { readonly kind: 'reject'; readonly reply: Uint8Array; readonly error: ProxyRequestError };
/** Bytes after the request, kept until the answer hands them over. */
export type HeldStep = { readonly kind: 'held'; readonly reply: Uint8Array };

const HELD: HeldStep = { kind: 'held', reply: EMPTY_BYTES };

/**
 * The start of `push`: in `waitingPhase` the chunk is held (HeldStep); once relaying or
 * closed, pushing is the caller's bug (ProxyStateError); otherwise null — parse the chunk.
 */
export function holdWhileWaiting(phase: string, waitingPhase: string, held: HeldBytes, chunk: Uint8Array, handshake: string): HeldStep | null {
  if (phase === waitingPhase) {
    held.push(chunk);
    return HELD;
  }
  if (phase === 'relaying' || phase === 'closed') throw new ProxyStateError(`${handshake} handshake is ${phase}: bytes go to the relay now`);
  return null;
}
