/**
 * What client and server share: the data plane, smux sessions bound to their
 * shard rings, TCP pipes, SNMP, logging and shutdown.
 */
import { randomBytes } from 'node:crypto';
import { DataPlane, type SessionRings } from '@kcptunb/dataplane';
import { SmuxSession, type SmuxStream } from '@kcptunb/smux';
import type { Snmp } from '@kcptunb/snmp';
import type { TunnelSettings } from '../config/tunnelSettings.js';
import { nowMs } from './clock.js';
import type { Logger } from './logger.js';
import { SessionLink } from './sessionLink.js';
import type { StreamHandler } from './streamHandler.js';

/** A smux session over one KCP session of one shard. */
export class TunnelSession {
  readonly link: SessionLink;
  /** What each open stream's events go to: a relay or a proxy handshake. */
  readonly pipes = new Map<SmuxStream, StreamHandler>();
  readonly createdAt = Date.now();
  private closedCallbacks: Array<() => void> = [];

  constructor(
    readonly shard: number,
    readonly id: number,
    readonly label: string,
    rings: SessionRings,
    settings: Pick<TunnelSettings, 'side' | 'smux'>,
    private readonly dataPlane: DataPlane,
    private readonly logger: Logger,
    onAccepted?: (session: TunnelSession, stream: SmuxStream) => void,
  ) {
    const smux = new SmuxSession({ role: settings.side, now: nowMs(), config: settings.smux });
    this.link = new SessionLink(smux, rings, {
      onAccepted: onAccepted ? (s) => onAccepted(this, s) : undefined,
      onReadable: (s) => this.pipes.get(s)?.readable(),
      onWritable: (s) => this.pipes.get(s)?.writable(),
      onClosed: (error) => {
        this.logger.log(`session ${this.label} closed${error ? `: ${error.message}` : ''}`);
        for (const pipe of [...this.pipes.values()]) pipe.finish();
        this.dataPlane.closeSession(this.shard, this.id);
        for (const cb of this.closedCallbacks) cb();
      },
    });
  }

  get closed(): boolean {
    return this.link.closed;
  }

  get streamCount(): number {
    return this.link.smux.streamCount;
  }

  onClose(cb: () => void): void {
    this.closedCallbacks.push(cb);
  }

  close(): void {
    this.link.close();
  }
}

export function randomConv(): number {
  return randomBytes(4).readUInt32LE(0);
}

/** kcptun's SIGUSR1 line (spec §7.6): Go's %+v of the Snmp struct, struct field order. */
export function snmpLine(snmp: Snmp, order: readonly string[]): string {
  const values = snmp.snapshot() as Record<string, number>;
  return `KCP SNMP:&{${order.map((k) => `${k}:${values[k]}`).join(' ')}}`;
}
