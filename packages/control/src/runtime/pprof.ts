/**
 * `--pprof [ADDR]` (server): what a Node user expects in place of Go's pprof —
 * an HTTP endpoint serving a V8 CPU profile of the control thread for N
 * seconds (`/debug/pprof/profile?seconds=N`, open it in Chrome DevTools), what
 * it allocated in N seconds (`/debug/pprof/allocs?seconds=N`: V8's sampling heap
 * profile with the objects GC already collected, Go's `allocs` — where garbage
 * comes from) and a heap snapshot (`/debug/pprof/heap`). A heap snapshot holds every string in
 * the process, the key among them, and the endpoint has no authentication:
 * a bare --pprof therefore binds 127.0.0.1:6060 (kcptunB: every interface, see
 * docs/deviations.md). Profiling is optional: when the address cannot be bound
 * (a second server on the same port) one line is logged and the tunnel runs
 * without it. Data-plane workers are not included.
 */
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { HostPort } from '../config/address.js';
import type { Logger } from './logger.js';
import { listenOrLog } from '../observe/httpService.js';

const MAX_SECONDS = 300;
/** Mean bytes between two allocation samples (V8's default is 32 KiB; finer suits a short window). */
const ALLOCS_SAMPLING_BYTES = 4096;
const PATHS = new Set(['/debug/pprof/profile', '/debug/pprof/allocs', '/debug/pprof/heap']);

/** The profiling endpoint on `at`, or undefined (logged) when it cannot listen there. */
export async function startPprof(logger: Logger, at: HostPort): Promise<Server | undefined> {
  let busy = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pprof');
    const run = async () => {
      if (url.pathname === '/debug/pprof/' || url.pathname === '/debug/pprof') {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end(
          'kcptunb profiling\n' +
            '/debug/pprof/profile?seconds=30  V8 CPU profile of the control thread (.cpuprofile)\n' +
            '/debug/pprof/allocs?seconds=30   what the control thread allocated, collected objects included (.heapprofile)\n' +
            '/debug/pprof/heap                V8 heap snapshot (.heapsnapshot)\n',
        );
        return;
      }
      if (!PATHS.has(url.pathname)) {
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
        const seconds = Math.min(MAX_SECONDS, Math.max(1, Number(url.searchParams.get('seconds') ?? 30) || 30));
        if (url.pathname === '/debug/pprof/profile') {
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
          await new Promise((r) => setTimeout(r, seconds * 1000));
          const { profile } = (await session.post('Profiler.stop')) as { profile: unknown };
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-disposition', 'attachment; filename="kcptunb.cpuprofile"');
          res.end(JSON.stringify(profile));
        } else if (url.pathname === '/debug/pprof/allocs') {
          await session.post('HeapProfiler.enable');
          await session.post('HeapProfiler.startSampling', { samplingInterval: ALLOCS_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
          await new Promise((r) => setTimeout(r, seconds * 1000));
          const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-disposition', 'attachment; filename="kcptunb.heapprofile"');
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
  const url = await listenOrLog(server, at, 'pprof', logger, 'profiling');
  if (url === undefined) return undefined;
  logger.log(`pprof: ${url}/debug/pprof/ (the heap snapshot holds the key)`);
  return server;
}
