/**
 * How long a session the control thread finished (its ring closed, the 'close' message not sent)
 * goes on carrying what is in flight — the FINs of a graceful shutdown — before its reset goes out
 * (docs/protocol.md §3.10).
 * A constant of its own so the control thread can wait for it without loading the shard's code.
 */
export const LINGER_MS = 1000;
