/**
 * `--pprof` (server): what a Node user expects in place of Go's pprof — an
 * HTTP endpoint on :6060 serving a V8 CPU profile of the control thread for
 * N seconds (`/debug/pprof/profile?seconds=N`, open it in Chrome DevTools)
 * and a heap snapshot (`/debug/pprof/heap`). KCPTUNB_PPROF_ADDR overrides the
 * address (tests bind 127.0.0.1:0). Data-plane workers are not included.
 */
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { Logger } from './logger.js';

const MAX_SECONDS = 300;

export async function startPprof(logger: Logger, address = process.env.KCPTUNB_PPROF_ADDR ?? ':6060'): Promise<Server> {
  const m = /^(.*):(\d+)$/.exec(address);
  const host = m?.[1] || undefined;
  const port = Number(m?.[2] ?? 6060);
  let busy = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pprof');
    const run = async () => {
      if (url.pathname === '/debug/pprof/' || url.pathname === '/debug/pprof') {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('kcptunb profiling\n/debug/pprof/profile?seconds=30  V8 CPU profile of the control thread (.cpuprofile)\n/debug/pprof/heap              V8 heap snapshot (.heapsnapshot)\n');
        return;
      }
      if (url.pathname !== '/debug/pprof/profile' && url.pathname !== '/debug/pprof/heap') {
        res.statusCode = 404;
        res.end('not found\n');
        return;
      }
      if (busy) {
        res.statusCode = 429;
        res.end('a profile is already being taken\n');
        return;
      }
      busy = true;
      const session = new Session();
      session.connect();
      try {
        if (url.pathname === '/debug/pprof/profile') {
          const seconds = Math.min(MAX_SECONDS, Math.max(1, Number(url.searchParams.get('seconds') ?? 30) || 30));
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
          await new Promise((r) => setTimeout(r, seconds * 1000));
          const { profile } = (await session.post('Profiler.stop')) as { profile: unknown };
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-disposition', 'attachment; filename="kcptunb.cpuprofile"');
          res.end(JSON.stringify(profile));
        } else {
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-disposition', 'attachment; filename="kcptunb.heapsnapshot"');
          session.on('HeapProfiler.addHeapSnapshotChunk', (m: { params: { chunk: string } }) => res.write(m.params.chunk));
          await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
          res.end();
        }
      } finally {
        session.disconnect();
        busy = false;
      }
    };
    run().catch((e: Error) => {
      logger.log(`pprof: ${e.message}`);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const a = server.address() as { address: string; port: number };
  logger.log(`pprof: http://${a.address}:${a.port}/debug/pprof/`);
  return server;
}
