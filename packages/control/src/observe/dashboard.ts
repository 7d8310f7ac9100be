/**
 * `--dashboard ADDR`: one web page with live charts of the tunnel, fed once a second over
 * server-sent events (`/events`). The charts are drawn by uPlot (a maintained, small canvas
 * chart library), served from the installed package — no CDN, the page works offline.
 * Sampling runs only while a page is connected.
 */
import { createReadStream } from 'node:fs';
import { createServer, type ServerResponse, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { HostPort } from '../config/address.js';
import type { Logger } from '../runtime/logger.js';
import type { TunnelStats } from '../runtime/stats.js';
import { dashboardPage } from './dashboardPage.js';
import { feedSample } from './dashboardFeed.js';
import { listenOrLog } from './httpService.js';
import { StatsSampler } from './sampler.js';

const SAMPLE_MS = 1000;
/** Pages served at once; more are refused (the endpoint must not grow without bound). */
const MAX_PAGES = 32;

/** The chart library's files, where npm installed them (a dependency of the package). */
function chartAssets(): Record<string, { file: string; type: string }> {
  const require = createRequire(import.meta.url);
  return {
    '/uPlot.iife.min.js': { file: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
    '/uPlot.min.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  };
}

export interface Dashboard {
  server: Server;
  close(): void;
}

export async function startDashboard(logger: Logger, at: HostPort, side: 'client' | 'server', stats: () => Promise<TunnelStats>): Promise<Dashboard | undefined> {
  const assets = chartAssets();
  const sampler = new StatsSampler(stats);
  const pages = new Set<ServerResponse>();
  let ticker: NodeJS.Timeout | undefined;
  let sampling = false;
  const tick = async () => {
    if (sampling) return; // a slow answer from the shards: skip a beat rather than pile up
    sampling = true;
    try {
      const data = `data: ${JSON.stringify(feedSample(await sampler.sample()))}\n\n`;
      for (const page of pages) page.write(data);
    } catch (e) {
      logger.log(`dashboard: ${(e as Error).message}`);
    } finally {
      sampling = false;
    }
  };
  const html = dashboardPage(side);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (path === '/') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(html);
      return;
    }
    const asset = assets[path];
    if (asset) {
      res.setHeader('content-type', asset.type);
      res.setHeader('cache-control', 'max-age=3600');
      createReadStream(asset.file).on('error', () => res.destroy()).pipe(res);
      return;
    }
    if (path === '/events') {
      if (pages.size >= MAX_PAGES) {
        res.statusCode = 503;
        res.end('too many dashboard pages open\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: ${SAMPLE_MS}\n\n`);
      pages.add(res);
      res.on('close', () => {
        pages.delete(res);
        if (pages.size === 0 && ticker) {
          clearInterval(ticker);
          ticker = undefined;
        }
      });
      if (!ticker) {
        ticker = setInterval(() => void tick(), SAMPLE_MS);
        ticker.unref();
      }
      void tick();
      return;
    }
    res.statusCode = 404;
    res.end('not found\n');
  });
  const url = await listenOrLog(server, at, 'dashboard', logger, 'the dashboard');
  if (!url) return undefined;
  logger.log(`dashboard: ${url}/`);
  return {
    server,
    close: () => {
      if (ticker) clearInterval(ticker);
      for (const page of pages) page.end();
      server.close();
      server.closeAllConnections();
    },
  };
}
