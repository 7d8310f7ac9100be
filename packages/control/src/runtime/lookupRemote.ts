/** The client's `-r` host, resolved before each dial so that a name that does not resolve is named (and retried). */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** A `-r` name that did not resolve: `lookup HOST: not found` and the like. */
export class RemoteLookupError extends Error {
  constructor(readonly host: string, readonly code: string | undefined) {
    super(`lookup ${host}: ${RemoteLookupError.describe(code)}`);
    this.name = 'RemoteLookupError';
  }

  private static describe(code: string | undefined): string {
    if (code === 'ENOTFOUND' || code === 'ENODATA') return 'not found';
    if (code === 'EAI_AGAIN' || code === 'ETIMEOUT') return 'temporary failure in name resolution';
    return code ?? 'failed';
  }
}

/** An IP literal as is; a name through the system resolver (getaddrinfo: /etc/hosts too). */
export async function lookupRemote(host: string): Promise<string> {
  if (isIP(host)) return host;
  try {
    return (await dns.lookup(host)).address;
  } catch (e) {
    throw new RemoteLookupError(host, (e as NodeJS.ErrnoException).code);
  }
}
