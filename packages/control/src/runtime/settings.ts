/** From the resolved TunnelConfig to what the cores need: shard settings and smux config. */
import { availableParallelism } from 'node:os';
import { deriveKey } from '@kcptunb/crypt';
import type { SessionSettings } from '@kcptunb/dataplane';
import type { SmuxConfig } from '@kcptunb/smux';
import type { TunnelConfig } from '../config/tunnelConfig.js';

/** Bytes of each session ring (each direction). */
export const RING_BYTES = 1 << 20;

export function sessionSettings(c: TunnelConfig): SessionSettings {
  return {
    mtu: c.mtu,
    sndWnd: c.sndWnd,
    rcvWnd: c.rcvWnd,
    nodelay: c.noDelay,
    interval: c.interval,
    resend: c.resend,
    nc: c.noCongestion,
    ackNoDelay: c.ackNoDelay,
    crypt: c.crypt,
    pass: deriveKey(c.key),
    dataShards: c.dataShard,
    parityShards: c.parityShard,
    noComp: c.noComp,
    sockBuf: c.sockBuf,
    dscp: c.dscp,
  };
}

export function smuxConfig(c: TunnelConfig): Partial<SmuxConfig> {
  return {
    keepAliveIntervalMs: c.keepAliveMs,
    keepAliveTimeoutMs: c.keepAliveTimeout,
    maxFrameSize: c.maxFrame,
    maxReceiveBuffer: c.sockBuf,
    enableStreamBuffer: c.streamBufEnabled,
    maxStreamBuffer: c.streamBuf,
    boostTimeoutMs: c.streamBoost,
    writeHighWaterMark: c.pipeBuf,
  };
}

/** KCPTUNB_SHARDS=0: run the data plane on the control thread (see DataPlaneOptions.inline). */
export function inlineDataPlane(): boolean {
  return process.env.KCPTUNB_SHARDS === '0';
}

/**
 * Data-plane worker threads: KCPTUNB_SHARDS, else one per core beyond the
 * control thread (at least one), and never more than there are sessions.
 */
export function shardCount(sessions: number): number {
  if (inlineDataPlane()) return 1;
  const forced = Number(process.env.KCPTUNB_SHARDS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return Math.max(1, Math.min(sessions, availableParallelism() - 1));
}

/** The kcptun start-up lines (spec §7.7 style). */
export function describe(c: TunnelConfig): string[] {
  const lines = [
    `encryption: ${c.crypt}`,
    `nodelay parameters: ${c.noDelay} ${c.interval} ${c.resend} ${c.noCongestion}`,
    `${c.side === 'client' ? 'remote address' : 'target'}: ${c.remote}`,
    `sndwnd: ${c.sndWnd} rcvwnd: ${c.rcvWnd}`,
    `compression: ${!c.noComp}`,
    `mtu: ${c.mtu}`,
    `datashard: ${c.dataShard} parityshard: ${c.parityShard}`,
    `acknodelay: ${c.ackNoDelay}`,
    `dscp: ${c.dscp}`,
    `sockbuf: ${c.sockBuf}`,
    `streambuf-en: ${c.streamBufEnabled}`,
    `streambuf: ${c.streamBuf}`,
    `boosttimeout: ${c.streamBoost}`,
    `maxframe: ${c.maxFrame}`,
    `pipebuf: ${c.pipeBuf}`,
    `keepalive: ${c.keepAliveMs} ms, timeout ${c.keepAliveTimeout} ms`,
    `ser: ${c.ser}`,
    `tfo: ${c.tfo}`,
  ];
  if (c.side === 'client') lines.push(`conn: ${c.conn}`, `autoexpire: ${c.autoExpire}`, `scavengettl: ${c.scavengeTtl}`);
  lines.push(`snmplog: ${c.snmpLog}`, `snmpperiod: ${c.snmpPeriod}`, `quiet: ${c.quiet}`);
  return lines;
}
