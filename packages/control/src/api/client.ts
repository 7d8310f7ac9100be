/** `createClient(options)`: a kcptunb client in this process; streams over the tunnel from `openStream()`, and from TCP when `localaddr` is given. */
import type { Duplex } from 'node:stream';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import { ClientClosedError, TunnelClient } from '../runtime/client.js';
import { resolveOptions, type ClientFlagOptions } from './options.js';
import type { BoundAddress } from './server.js';
import { TunnelBase, type LogTarget } from './tunnelBase.js';

export interface ClientOptions extends ClientFlagOptions {
  /** Called with every log line (as the 'log' event is). */
  logger?: (line: string) => void;
}

export class KcptunbClient extends TunnelBase<TunnelClient> {
  private bound: BoundAddress | null = null;

  /** @internal createClient() or the CLI, from checked settings. */
  constructor(settings: TunnelSettings, private readonly listens: boolean, log: LogTarget) {
    super(settings, log);
  }

  /**
   * Open the `conn` sessions to the server (and the TCP listener when `localaddr` was given);
   * resolves with the TCP address, or null without a listener.
   */
  start(): Promise<BoundAddress | null> {
    return this.startOnce(
      () => new TunnelClient(this.settings, this.logger, { listen: this.listens, events: this.emitEvent }),
      async (r) => (this.bound = await r.start()),
    );
  }

  /**
   * A new stream to the server's target (or handler) as a Duplex: no TCP socket in between.
   * Starts the client if needed. `end()` is a half-close (FIN; reading goes on).
   */
  async openStream(): Promise<Duplex> {
    if (this.closeCalled) throw new ClientClosedError();
    await this.start();
    const r = this.running;
    if (!r) throw new Error('the client did not start');
    return r.openStream();
  }

  /** The TCP listener's address, null without one (or before start). */
  address(): BoundAddress | null {
    return this.bound;
  }
}

/** A client from the flags' options; a bad option throws the CLI's ConfigError. `start()` or `openStream()` starts it. */
export function createClient(options: ClientOptions = {}): KcptunbClient {
  const { settings, given } = resolveOptions('client', options as Record<string, unknown>);
  return new KcptunbClient(settings, given.has('localaddr'), { logger: options.logger });
}
