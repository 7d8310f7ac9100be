/**
 * The flag-level view of a `kcptunb client` / `kcptunb server`: what the flags
 * and the JSON file said, spelled as -h shows it. tunnelSettings() turns it
 * into what the layers run with (mode profile, keepalive fallback, parsed addresses).
 */

export type Side = 'client' | 'server';

export interface TunnelConfig {
  side: Side;
  /** client: local TCP listen address; server: UDP listen address. */
  listen: string;
  /** client: the server's UDP address; server: the TCP target. */
  remote: string;
  key: string;
  crypt: string;
  mode: string;
  conn: number;
  autoExpire: number;
  scavengeTtl: number;
  mtu: number;
  sndWnd: number;
  rcvWnd: number;
  dataShard: number;
  parityShard: number;
  dscp: number;
  noComp: boolean;
  ackNoDelay: boolean;
  noDelay: number;
  interval: number;
  resend: number;
  noCongestion: number;
  sockBuf: number;
  streamBufEnabled: boolean;
  streamBuf: number;
  /** ms; kcptunB reads this only from JSON `boosttimeout` (its --streamboost is ignored): we honour both. */
  streamBoost: number;
  maxFrame: number;
  pipeBuf: number;
  /** seconds, deprecated in favour of keepAliveMs. */
  keepAlive: number;
  keepAliveMs: number;
  keepAliveTimeout: number;
  ser: string;
  snmpLog: string;
  snmpPeriod: number;
  log: string;
  quiet: boolean;
  tfo: boolean;
  /** server only */
  dns: string[];
  /** '' = off, else the address of the profiling endpoint */
  pprof: string;
  /** '' = off, else where the Prometheus metrics endpoint listens */
  metrics: string;
  /** '' = off, else where the live dashboard listens */
  dashboard: string;
  /** server only: session cap, 0 = sized from memory */
  maxSessions: number;
  /** server only: drop replayed datagrams */
  replayFilter: boolean;
  /** the -c file, if any */
  configFile: string;
  // ---- the kcptun (upstream) flag dialect (docs/protocol.md §7.10) ----
  /** `--dialect`: 'kcptun', 'kcptunb', or '' = decided by which flags are used. */
  dialect: string;
  /** kcptun `--smuxver` 1|2 (default 2). */
  smuxVer: number;
  /** kcptun `--smuxbuf`: the smux session receive budget (there `--sockbuf` is only the UDP buffers). */
  smuxBuf: number;
  /** kcptun `--framesize`: largest PSH payload (kcptunB's `--maxframe`). */
  frameSize: number;
  /** kcptun `--ratelimit` bytes/s per session; only 0 is supported. */
  rateLimit: number;
  /** kcptun `--closewait` seconds; only 0 is supported. */
  closeWait: number;
  /** kcptun `--QPP`: refused (docs/deviations.md). */
  qpp: boolean;
  qppCount: number;
  /** kcptun `--tcp` (raw-socket fake TCP): refused. */
  tcp: boolean;
}

/** Every field, so code that builds a TunnelConfig field by field can tell it is complete. */
export const CONFIG_FIELDS = Object.keys({
  side: true, listen: true, remote: true, key: true, crypt: true, mode: true, conn: true, autoExpire: true, scavengeTtl: true,
  mtu: true, sndWnd: true, rcvWnd: true, dataShard: true, parityShard: true, dscp: true, noComp: true, ackNoDelay: true,
  noDelay: true, interval: true, resend: true, noCongestion: true, sockBuf: true, streamBufEnabled: true, streamBuf: true,
  streamBoost: true, maxFrame: true, pipeBuf: true, keepAlive: true, keepAliveMs: true, keepAliveTimeout: true, ser: true,
  snmpLog: true, snmpPeriod: true, log: true, quiet: true, tfo: true, dns: true, pprof: true, metrics: true, dashboard: true, maxSessions: true, replayFilter: true, configFile: true,
  dialect: true, smuxVer: true, smuxBuf: true, frameSize: true, rateLimit: true, closeWait: true, qpp: true, qppCount: true, tcp: true,
} satisfies Record<keyof TunnelConfig, true>) as ReadonlyArray<keyof TunnelConfig>;
