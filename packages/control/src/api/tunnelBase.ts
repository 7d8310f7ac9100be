/**
 * What the library's client and server share: the start-up lines, the typed events, the SNMP
 * log, stats() and a close() that drains. The CLI runs through these objects (cli.ts).
 */
import { EventEmitter } from 'node:events';
import { sockoptSupport } from '@kcptunb/sockopt';
import type { DataPlane } from '@kcptunb/dataplane';
import { VERSION } from '../config/help.js';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import { Logger, type LogSink } from '../runtime/logger.js';
import { describe } from '../runtime/settings.js';
import { startSnmpLog } from '../runtime/snmpLog.js';
import type { TunnelEvents, TunnelEventSink } from '../runtime/tunnelEvents.js';
import { SNMP_COUNTERS } from '@kcptunb/snmp';
import type { TunnelStats } from '../runtime/stats.js';

/** The events of a client or server: sessions, streams, log lines, and 'close' once close() is done. */
export interface KcptunbEvents extends TunnelEvents {
  close: [];
}

export interface CloseOptions {
  /** How long open streams may take to end by themselves before they are closed (FIN); default 5000 ms. */
  drainMs?: number;
}

export const DEFAULT_DRAIN_MS = 5000;

/** How the CLI logs (prefixed lines to stderr or --log); the library's default is the 'log' event only. */
export interface LogTarget {
  stderr?: boolean;
  /** Called with every line, unprefixed (besides the 'log' event). */
  logger?: LogSink;
}

/** The runtime object behind a client or server. */
export interface TunnelRuntime {
  readonly dataPlane: DataPlane;
  stats(): Promise<TunnelStats>;
  stop(drainMs: number): Promise<void>;
}

export abstract class TunnelBase<R extends TunnelRuntime> extends EventEmitter<KcptunbEvents> {
  protected readonly logger: Logger;
  protected readonly emitEvent: TunnelEventSink = (event, ...args) => void (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  private runtime: R | undefined;
  private started: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;
  private stopSnmpLog: () => void = () => {};

  protected constructor(protected readonly settings: TunnelSettings, log: LogTarget) {
    super();
    const c = settings.config;
    this.logger = new Logger({
      file: c.log,
      quiet: c.quiet,
      stderr: log.stderr,
      sink: (line) => {
        log.logger?.(line);
        this.emit('log', line);
      },
    });
  }

  /** close() was called. */
  protected get closeCalled(): boolean {
    return this.closing !== undefined;
  }

  /** The runtime, once started (stats and close need it). */
  protected get running(): R | undefined {
    return this.runtime;
  }

  /** Log the start-up lines, build the runtime, start it; once only. */
  protected startOnce<A>(create: () => R, start: (r: R) => Promise<A>): Promise<A> {
    if (this.closing) return Promise.reject(new Error('closed'));
    this.started ??= (async () => {
      this.logger.log(`version: ${VERSION}`);
      const native = sockoptSupport();
      // the one line for a missing addon; the features it backs then fall back quietly
      if (!native.supported) this.logger.log(`sockopt: ${native.reason}; TCP Fast Open and DSCP fall back to plain sockets`);
      const runtime = (this.runtime = create());
      for (const line of describe(this.settings)) this.logger.log(line);
      let address: A;
      try {
        address = await start(runtime);
      } catch (e) {
        // nothing may linger after a failed start (a port in use): the data plane's workers stop
        await runtime.stop(0).catch(() => {});
        throw e;
      }
      const c = this.settings.config;
      this.stopSnmpLog = startSnmpLog(c.snmpLog, c.snmpPeriod, () => runtime.dataPlane.snmp(), () => runtime.dataPlane.resetSnmp(), (e) => this.logger.log(`snmplog: ${e.message}`));
      return address;
    })();
    return this.started as Promise<A>;
  }

  /**
   * The SNMP counters (the process's and each data-plane shard's) and every live session's figures
   * (KCP's RTT, windows, in-flight, bytes and datagrams, its open smux streams): runtime/stats.ts.
   * Zeros and no sessions before start.
   */
  async stats(): Promise<TunnelStats> {
    const r = this.runtime;
    if (r) return r.stats();
    const snmp = Object.fromEntries(SNMP_COUNTERS.map((k) => [k, 0])) as TunnelStats['snmp'];
    return { side: this.settings.side, at: Date.now(), snmp, shards: [], sessions: [] };
  }

  /**
   * Stop accepting, let open streams end (up to `drainMs`), close the rest with FIN, end the
   * sessions and the data plane. Resolves when all is done; calling it again returns the same promise.
   */
  close(o: CloseOptions = {}): Promise<void> {
    this.closing ??= (async () => {
      await this.started?.catch(() => {});
      this.stopSnmpLog();
      await this.runtime?.stop(o.drainMs ?? DEFAULT_DRAIN_MS);
      this.emit('close');
    })();
    return this.closing;
  }

  /** Write the SIGUSR1 lines (the CLI's signal handler). */
  snmp() {
    return this.runtime?.dataPlane.snmp();
  }
}
