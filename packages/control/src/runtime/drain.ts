/**
 * A graceful stop (the library's close(), the CLI's SIGINT/SIGTERM): open streams get a time to
 * end by themselves, the rest are closed with FIN, and the FINs are handed to the data plane
 * before the sessions close.
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
