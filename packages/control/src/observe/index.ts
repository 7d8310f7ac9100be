/** The optional local HTTP endpoints of a running tunnel: --metrics and --dashboard. */
import type { Server } from 'node:http';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import type { Logger } from '../runtime/logger.js';
import type { TunnelStats } from '../runtime/stats.js';
// the endpoints (prom-client, node:http, the dashboard) load only when asked for: a default run
// does not pay their ~12 MiB of resident memory

export interface Observers {
  close(): void;
}

/** Stop listening and drop kept-alive scraper connections. */
function closeServer(s: Server): void {
  s.close();
  s.closeAllConnections();
}

/** Start what the settings ask for; an endpoint that cannot listen is one log line, never a failure. */
export async function startObservers(settings: Pick<TunnelSettings, 'side' | 'metrics' | 'dashboard'>, stats: () => Promise<TunnelStats>, logger: Logger): Promise<Observers> {
  const closers: Array<() => void> = [];
  if (settings.metrics) {
    const { startMetrics } = await import('./metrics.js');
    const s = await startMetrics(logger, settings.metrics, settings.side, stats);
    if (s) closers.push(() => closeServer(s));
  }
  if (settings.dashboard) {
    const { startDashboard } = await import('./dashboard.js');
    const d = await startDashboard(logger, settings.dashboard, settings.side, stats);
    if (d) closers.push(() => d.close());
  }
  return {
    close: () => {
      for (const close of closers) close();
    },
  };
}
