/**
 * Failures that explain themselves, read from the SNMP counters every 10 s on the control
 * thread (the shards count; nobody has to parse their per-datagram work):
 * - InCsumErrors grew on a client: datagrams from the server that decrypted to a bad CRC
 *   (docs/protocol.md §1.2) — the two sides disagree on --key or --crypt (a server names each
 *   failing client address itself: its listener tallies them, dataplane/src/checksumTally.ts);
 * - a client sent datagrams and got none back: the server does not answer (down, wrong
 *   address, firewall), logged after 10, 20, 40, 80 … s of silence (bounded: doubling gaps).
 * `SnmpHints` is pure (counter snapshots in, log lines out); `startSnmpHints` is its timer.
 */
import type { Snmp } from '@kcptunb/snmp';
import type { Logger } from './logger.js';

export const HINT_PERIOD_MS = 10_000;

export interface HintCounters {
  readonly InCsumErrors: number;
  readonly InPkts: number;
  readonly OutPkts: number;
}

export interface SnmpHintsOptions {
  side: 'client' | 'server';
  /** The server's address (client side). */
  server?: string;
  periodMs?: number;
}

/** Counters may restart (--snmplog starts a period): a smaller value is a delta from zero. */
function delta(now: number, before: number): number {
  return now >= before ? now - before : now;
}

export class SnmpHints {
  private last: HintCounters | null = null;
  private silentPeriods = 0;
  private readonly periodMs: number;

  constructor(private readonly o: SnmpHintsOptions) {
    this.periodMs = o.periodMs ?? HINT_PERIOD_MS;
  }

  /** One period's end: the counters now; the lines to log. */
  observe(now: HintCounters): string[] {
    const before = this.last;
    this.last = { InCsumErrors: now.InCsumErrors, InPkts: now.InPkts, OutPkts: now.OutPkts };
    if (!before) return [];
    const lines: string[] = [];
    const seconds = Math.round(this.periodMs / 1000);
    const bad = delta(now.InCsumErrors, before.InCsumErrors);
    if (bad > 0 && this.o.side === 'client') {
      const from = `from the server ${this.o.server ?? ''}`.trimEnd();
      lines.push(`${bad} datagram${bad === 1 ? '' : 's'} ${from} failed the checksum in ${seconds} s: check --key and --crypt on both sides`);
    }
    if (this.o.side === 'client') {
      const sent = delta(now.OutPkts, before.OutPkts);
      const received = delta(now.InPkts, before.InPkts);
      if (received > 0) this.silentPeriods = 0;
      else if (sent > 0) {
        // a period in which nothing was sent neither breaks nor extends the silence
        this.silentPeriods++;
        // after 1, 2, 4, 8 … silent periods
        if ((this.silentPeriods & (this.silentPeriods - 1)) === 0) {
          lines.push(`no reply from ${this.o.server ?? 'the server'} for ${this.silentPeriods * seconds} s: is the server running, and are -r, --key and --crypt right?`);
        }
      }
    }
    return lines;
  }
}

/** Observe `snmp()` every period; returns the stop function. */
export function startSnmpHints(o: SnmpHintsOptions, snmp: () => Snmp, logger: Logger): () => void {
  const hints = new SnmpHints(o);
  const read = () => {
    for (const line of hints.observe(snmp().snapshot())) logger.log(line);
  };
  read();
  const timer = setInterval(read, o.periodMs ?? HINT_PERIOD_MS);
  timer.unref();
  return () => clearInterval(timer);
}
