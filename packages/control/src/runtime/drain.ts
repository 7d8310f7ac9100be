/**
 * A graceful stop (the library's close(), the CLI's SIGINT/SIGTERM): open streams get a time to
 * end by themselves, the rest are closed with FIN, and the FINs are handed to the data plane
 * before the sessions close; then each side tells its peer (finishSessions).
 */
import type { TunnelSession } from './tunnel.js';

/** How long a stop waits for the closing streams' frames to reach the rings. */
const FLUSH_MS = 500;
const FLUSH_POLL_MS = 5;

function delay(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { done, cancel: () => clearTimeout(timer) };
}

/** Wait up to `drainMs` for every carried stream to end, then close what is left (FIN) and flush. */
export async function drainSessions(sessions: readonly TunnelSession[], drainMs: number): Promise<void> {
  const open = sessions.filter((s) => !s.closed);
  if (drainMs > 0 && open.some((s) => s.carriedStreams > 0)) {
    const timeout = delay(drainMs);
    await Promise.race([Promise.all(open.map((s) => s.idle())), timeout.done]);
    timeout.cancel();
  }
  let closing = false;
  for (const s of open) if (!s.closed && s.closeStreams() > 0) closing = true;
  if (!closing) return;
  const deadline = Date.now() + FLUSH_MS;
  while (Date.now() < deadline && open.some((s) => !s.closed && s.hasOutput)) {
    await new Promise((resolve) => setTimeout(resolve, FLUSH_POLL_MS));
  }
}

/**
 * Tell the peer before exit (docs/protocol.md §3.10): what is in flight still goes out, then a
 * reset per session, so a client's applications see the close at once and re-dial, and a server
 * lets a stopped client's sessions go at once instead of at its keepalive timeout. Resolves when
 * every session ended, or after `waitMs` (the shard's linger plus a margin).
 */
export async function finishSessions(sessions: readonly TunnelSession[], waitMs: number): Promise<void> {
  const open = sessions.filter((s) => !s.closed);
  if (open.length === 0) return;
  let left = open.length;
  const done = new Promise<void>((resolve) => {
    for (const s of open) s.onClose(() => --left === 0 && resolve());
  });
  for (const s of open) s.finish();
  const timeout = delay(waitMs);
  await Promise.race([done, timeout.done]);
  timeout.cancel();
}
