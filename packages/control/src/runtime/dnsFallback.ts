/**
 * `--dns ip:port,…` (server): kcptunB's fallback resolvers for hosts whose
 * /etc/resolv.conf is unusable (Android). Applied only when the system gives
 * Node no DNS servers; names are then resolved through them.
 */
import { getServers, setServers } from 'node:dns';
import { formatAddress, type HostPort } from '../config/address.js';
import type { Logger } from './logger.js';

export function applyDnsFallback(resolvers: readonly HostPort[], logger: Logger): boolean {
  if (resolvers.length === 0) return false;
  const servers = resolvers.map(formatAddress);
  if (getServers().length > 0) return false;
  try {
    setServers(servers);
    logger.log(`dns: using fallback resolvers ${servers.join(', ')}`);
    return true;
  } catch (e) {
    logger.log(`dns: bad fallback resolvers (${(e as Error).message})`);
    return false;
  }
}
