/**
 * A local HTTP endpoint that is optional to the tunnel (--metrics, --dashboard): bound where
 * the flag says, and when it cannot be (a busy port) one log line and the tunnel runs without
 * it, as --pprof does.
 */
import type { Server } from 'node:http';
import { formatAddress, type HostPort } from '../config/address.js';
import type { Logger } from '../runtime/logger.js';

/** Listen on `at`; resolves with the URL base (`http://host:port`), or undefined (logged) when it cannot. */
export async function listenOrLog(server: Server, at: HostPort, name: string, logger: Logger, without: string): Promise<string | undefined> {
  const failed = await new Promise<Error | undefined>((resolve) => {
    server.once('error', resolve);
    server.listen(at.port, at.host || undefined, () => {
      server.off('error', resolve);
      resolve(undefined);
    });
  });
  if (failed) {
    const code = (failed as NodeJS.ErrnoException).code ?? failed.message;
    logger.log(`${name}: cannot listen on ${formatAddress(at)} (${code}); running without ${without}`);
    server.close();
    return undefined;
  }
  server.on('error', (e) => logger.log(`${name}: ${e.message}`));
  // the endpoint never keeps the process alive: the tunnel decides when it ends
  server.unref();
  const a = server.address() as { address: string; port: number };
  return `http://${formatAddress({ host: a.address, port: a.port })}`;
}
