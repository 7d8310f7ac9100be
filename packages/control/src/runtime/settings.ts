/** Run-time sizing of the data plane, and the start-up banner of the settings a tunnel runs with. */
import { availableParallelism } from 'node:os';
import type { TunnelSettings } from '../config/tunnelSettings.js';

/**
 * Bytes of each session ring (each direction). The smallest ring that takes the largest record
 * either side writes (64 KiB: SessionLink's MAX_RECORD, the shard's READ_CHUNK, a snappy chunk;
 * a record may use at most half the ring): rings hand bytes between threads, KCP's windows and
 * smux's budget do the buffering. 1 MiB measured no faster (bench/README.md, soak).
 */
export const RING_BYTES = 256 << 10;

/**
 * Run the data plane on the control thread (see DataPlaneOptions.inline): KCPTUNB_SHARDS=0, or
 * without KCPTUNB_SHARDS on a machine with one core, where a worker could not run beside the
 * control thread anyway and would cost its own V8 isolate (≈ 13 MiB idle, 20 at peak:
 * bench/README.md "Memory").
 */
export function inlineDataPlane(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): boolean {
  const forced = env.KCPTUNB_SHARDS;
  if (forced !== undefined && forced !== '') return forced === '0';
  return cores <= 1;
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

/** The kcptun start-up lines (docs/protocol.md §7.7 style). */
export function describe(settings: TunnelSettings): string[] {
  const { config: c, session, smux } = settings;
  const { kcp } = session;
  const lines = [
    `encryption: ${c.crypt}`,
    `nodelay parameters: ${kcp.nodelay} ${kcp.interval} ${kcp.resend} ${kcp.nc}`,
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
    `keepalive: ${smux.keepAliveIntervalMs} ms, timeout ${smux.keepAliveTimeoutMs} ms`,
    `ser: ${c.ser}`,
    `tfo: ${c.tfo}`,
    `flag dialect: ${c.dialect || 'kcptunb'}`,
    `smux version: ${smux.version} (${smux.dialect === 'stock' ? `stock${smux.adoptPeerVersion ? ', or the client\'s' : ''}, receive buffer ${smux.maxReceiveBuffer}, frame ${smux.maxFrameSize}, stream window ${smux.streamWindow}` : 'kcptunB'})`,
  ];
  if (c.side === 'client') lines.push(`conn: ${c.conn}`, `autoexpire: ${c.autoExpire}`, `scavengettl: ${c.scavengeTtl}`);
  lines.push(`snmplog: ${c.snmpLog}`, `snmpperiod: ${c.snmpPeriod}`, `quiet: ${c.quiet}`);
  return lines;
}
