/** `createServer(options)`: a kcptunb server in this process, forwarding to `target` or handing each stream to `handler`. */
import type { Duplex } from 'node:stream';
import { ConfigError } from '../config/configError.js';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import { TunnelServer } from '../runtime/server.js';
import type { StreamInfo } from '../runtime/tunnelEvents.js';
import { resolveOptions, type ServerFlagOptions } from './options.js';
import { TunnelBase, type LogTarget } from './tunnelBase.js';

export interface ServerOptions extends ServerFlagOptions {
  /**
   * Take every stream a client opens as a Duplex (instead of dialling `target`). `end()` on it is
   * a half-close: the client reads EOF, and the stream reads on until the client ends too.
   */
  handler?: (stream: Duplex, info: StreamInfo) => void;
  /** Called with every log line (as the 'log' event is); nothing goes to stderr unless `log` names a file that fails. */
  logger?: (line: string) => void;
}

export interface BoundAddress {
  address: string;
  port: number;
}

export class KcptunbServer extends TunnelBase<TunnelServer> {
  private bound: BoundAddress | null = null;

  /** @internal createServer() or the CLI, from checked settings. */
  constructor(settings: TunnelSettings, private readonly handler: ServerOptions['handler'], log: LogTarget) {
    super(settings, log);
  }

  /** Bind the UDP port (options.listen) and start serving; resolves with the bound address. */
  listen(): Promise<BoundAddress> {
    return this.startOnce(
      () => new TunnelServer(this.settings, this.logger, { handler: this.handler, events: this.emitEvent }),
      async (r) => (this.bound = await r.start()),
    );
  }

  /** The UDP address once listening, else null. */
  address(): BoundAddress | null {
    return this.bound;
  }
}

/** A server from the flags' options; a bad option throws the CLI's ConfigError. Call `listen()` to start it. */
export function createServer(options: ServerOptions = {}): KcptunbServer {
  const { settings, given } = resolveOptions('server', options as Record<string, unknown>);
  const handler = options.handler;
  if (handler !== undefined) {
    if (typeof handler !== 'function') throw new ConfigError('option handler must be a function');
    if (given.has('target')) throw new ConfigError('options target and handler together: a server forwards to one or hands streams to the other');
    if (settings.config.ser !== 'raw') throw new ConfigError(`option handler takes raw streams: ser must be raw, not ${settings.config.ser}`);
  }
  return new KcptunbServer(settings, handler, { logger: options.logger });
}
