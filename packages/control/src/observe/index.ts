/** The optional local HTTP endpoints of a running tunnel: --metrics and --dashboard. */
import type { Server } from 'node:http';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import type { Logger } from '../runtime/logger.js';
import type { TunnelStats } from '../runtime/stats.js';
import { startMetrics } from './metrics.js';

export interface Observers {
  close(): void;
}

/** Start what the settings ask for; an endpoint that cannot listen is one log line, never a failure. */
export async function startObservers(settings: Pick<TunnelSettings, 'side' | 'metrics' | 'dashboard'>, stats: () => Promise<TunnelStats>, logger: Logger): Promise<Observers> {
  const servers: Server[] = [];
  if (settings.metrics) {
    const s = await startMetrics(logger, settings.metrics, settings.side, stats);
    if (s) servers.push(s);
  }
  return {
    close: () => {
      for (const s of servers) s.close();
    },
  };
}
