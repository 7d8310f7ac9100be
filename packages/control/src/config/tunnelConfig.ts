/** Everything a `kcptunb client` or `kcptunb server` runs with, after flags, JSON and the mode profile. */

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
  pprof: boolean;
  /** the -c file, if any */
  configFile: string;
}
