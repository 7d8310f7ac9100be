/**
 * What the two client-side proxy handshakes (`--ser socks5`, `--ser http`)
 * tell the runtime. The runtime's part, for one accepted TCP connection:
 *
 *   on app data:   step = hs.push(chunk); write step.reply to the app (if any);
 *                  'connect' → open a smux stream, write step.streamHead as its
 *                              FIRST write (one write = one frame, docs/protocol.md §6.2),
 *                              start a TunnelReplyReader on the stream;
 *                  'reject'  → end the app socket after the reply;
 *                  'held'    → nothing (the bytes wait inside hs; pausing the
 *                              socket until the answer keeps that bounded).
 *   on the reply:  a = hs.answer(outcome); write a.toApp to the app;
 *                  ok → write a.toStream to the stream, then relay both ways;
 *                  not ok → end the app socket, close the stream.
 */
import type { HeldStep, NeedMoreStep, RejectStep } from './handshakeStep.js';
import type { ProxyTarget } from './target.js';

export type ClientStep =
  | NeedMoreStep
  /** The request is complete: open a stream and send `streamHead` first. */
  | { readonly kind: 'connect'; readonly reply: Uint8Array; readonly streamHead: Uint8Array; readonly target: ProxyTarget }
  /** No stream is opened. */
  | RejectStep
  /** Held bytes come back from `answer()` in `toStream`. */
  | HeldStep;

export type ClientAnswer =
  /** Write `toApp` (confirmation + the target's first bytes) to the app and `toStream` to the stream, then relay. */
  | { readonly ok: true; readonly toApp: Uint8Array; readonly toStream: Uint8Array }
  /** Write `toApp` (the error reply) to the app, then close both sides. `rep` = the tunnel's REP code. */
  | { readonly ok: false; readonly toApp: Uint8Array; readonly rep: number };

export type ClientHandshakeState = 'handshake' | 'connecting' | 'relaying' | 'closed';
