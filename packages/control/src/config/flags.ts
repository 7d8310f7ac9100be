/**
 * kcptunB's command-line surface (docs/protocol.md §7.8–7.9): names, aliases, defaults per
 * side, JSON keys. One table drives parsing, JSON, help and the tests.
 */
import type { Side, TunnelConfig } from './tunnelConfig.js';

export type FlagKind = 'string' | 'int' | 'bool' | 'list';

/** A TunnelConfig field a flag sets (every field but `side`). */
export type FlagField = Exclude<keyof TunnelConfig, 'side'>;

/** The kind of flag that parses into values of type V. */
type KindOf<V> = V extends boolean ? 'bool' : V extends number ? 'int' : V extends readonly string[] ? 'list' : 'string';

interface FieldFlag<K extends FlagField> {
  /** Long name exactly as kcptunB spells it. */
  name: string;
  /** Other spellings: single letters (`l`) and short words (`ds`). */
  aliases?: readonly string[];
  kind: KindOf<TunnelConfig[K]>;
  field: K;
  /** Default per side; a side without a default does not have the flag. */
  client?: TunnelConfig[K];
  server?: TunnelConfig[K];
  /** JSON key in `-c` files (kcptunB's spelling); absent = not settable from JSON. */
  json?: string;
  /** Not listed by -h (kcptunB hides these too). */
  hidden?: boolean;
  env?: string;
  /**
   * A string flag that may also be given bare, as kcptunB's boolean form of it: the value it
   * then takes, and which next argument it still consumes as its value (`--pprof`, `--pprof ADDR`).
   * Boolean spellings (`--pprof=true`, JSON `true`/`false`) mean `value` and ''.
   */
  bare?: { value: string; next: RegExp };
  help: string;
  valueName?: string;
}

/** One row of the table: `kind` tells which type its field and defaults have. */
export type FlagSpec = { [K in FlagField]: FieldFlag<K> }[FlagField];

/** What a flag's text parses into. */
export type FlagValue = string | number | boolean | readonly string[];

/** Where a bare --pprof listens: loopback only, since a heap snapshot holds the key. */
export const PPROF_DEFAULT = '127.0.0.1:6060';

const both = <T extends string | number | boolean>(v: T) => ({ client: v, server: v });

export const FLAGS: readonly FlagSpec[] = [
  { name: 'localaddr', aliases: ['l'], kind: 'string', field: 'listen', client: ':12948', json: 'localaddr', help: 'local TCP address to accept connections on' },
  { name: 'listen', aliases: ['l'], kind: 'string', field: 'listen', server: ':29900', json: 'listen', help: 'UDP address the KCP server listens on; host:minport-maxport listens on every port of the range' },
  { name: 'remoteaddr', aliases: ['r'], kind: 'string', field: 'remote', client: 'vps:29900', json: 'remoteaddr', help: 'KCP server address (host:port, or host:minport-maxport: a random port of the range per session)' },
  { name: 'target', aliases: ['t'], kind: 'string', field: 'remote', server: '127.0.0.1:12948', json: 'target', help: 'TCP address every stream is forwarded to' },
  { name: 'key', kind: 'string', field: 'key', ...both("it's a secrect"), json: 'key', env: 'KCPTUN_KEY', help: 'pre-shared secret, same on both ends' },
  { name: 'crypt', kind: 'string', field: 'crypt', ...both('aes'), json: 'crypt', help: 'aes, aes-128, aes-128-gcm, aes-192, salsa20, blowfish, twofish, cast5, 3des, tea, xtea, xor, sm4, none, null' },
  { name: 'mode', kind: 'string', field: 'mode', ...both('fast'), json: 'mode', help: 'profile: fast3, fast2, fast, normal, manual' },
  { name: 'conn', kind: 'int', field: 'conn', client: 1, json: 'conn', help: 'number of UDP sessions to the server' },
  { name: 'autoexpire', kind: 'int', field: 'autoExpire', client: 0, json: 'autoexpire', help: 'seconds after which a session is replaced on next use, 0 = never' },
  { name: 'scavengettl', kind: 'int', field: 'scavengeTtl', client: 600, json: 'scavengettl', help: 'seconds a replaced session may live on, -1 = until its streams end' },
  { name: 'mtu', kind: 'int', field: 'mtu', ...both(1350), json: 'mtu', help: 'largest UDP payload in bytes (50–1500)' },
  { name: 'sndwnd', kind: 'int', field: 'sndWnd', client: 128, server: 1024, json: 'sndwnd', help: 'send window in packets' },
  { name: 'rcvwnd', kind: 'int', field: 'rcvWnd', client: 512, server: 1024, json: 'rcvwnd', help: 'receive window in packets' },
  { name: 'datashard', aliases: ['ds'], kind: 'int', field: 'dataShard', ...both(10), json: 'datashard', help: 'Reed–Solomon data shards (must match the peer)' },
  { name: 'parityshard', aliases: ['ps'], kind: 'int', field: 'parityShard', ...both(3), json: 'parityshard', help: 'Reed–Solomon parity shards (must match the peer)' },
  { name: 'dscp', kind: 'int', field: 'dscp', ...both(0), json: 'dscp', help: 'DSCP value (6 bits) for the UDP packets' },
  { name: 'nocomp', kind: 'bool', field: 'noComp', ...both(false), json: 'nocomp', help: 'disable snappy compression (must match the peer)' },
  { name: 'acknodelay', kind: 'bool', field: 'ackNoDelay', ...both(false), json: 'acknodelay', hidden: true, help: 'send ACKs right after every input' },
  { name: 'nodelay', kind: 'int', field: 'noDelay', ...both(0), json: 'nodelay', hidden: true, help: 'manual mode: nodelay' },
  { name: 'interval', kind: 'int', field: 'interval', ...both(50), json: 'interval', hidden: true, help: 'manual mode: flush interval in ms' },
  { name: 'resend', kind: 'int', field: 'resend', ...both(0), json: 'resend', hidden: true, help: 'manual mode: fast-retransmit threshold' },
  { name: 'nc', kind: 'int', field: 'noCongestion', ...both(0), json: 'nc', hidden: true, help: 'manual mode: 1 disables congestion control' },
  { name: 'sockbuf', kind: 'int', field: 'sockBuf', ...both(4194304), json: 'sockbuf', help: 'UDP socket buffers and the per-session receive budget, in bytes' },
  { name: 'streambuf-en', kind: 'bool', field: 'streamBufEnabled', ...both(true), json: 'streambuf-en', help: 'kcptunB stream extensions (heartbeat ACK, FUL/EMP); --streambuf-en=0 to talk to stock kcptun' },
  { name: 'streambuf', kind: 'int', field: 'streamBuf', ...both(262144), json: 'streambuf', help: 'per-stream buffer in bytes before the peer is paused' },
  { name: 'streamboost', kind: 'int', field: 'streamBoost', ...both(10000), json: 'boosttimeout', help: 'ms of start-up boost before a slow stream is paused' },
  { name: 'maxframe', kind: 'int', field: 'maxFrame', ...both(32767), json: 'maxframe', help: 'largest smux frame payload in bytes' },
  { name: 'pipebuf', kind: 'int', field: 'pipeBuf', ...both(262144), json: 'pipebuf', help: 'copy buffer per relayed connection in bytes' },
  { name: 'keepalive', kind: 'int', field: 'keepAlive', ...both(10), json: 'keepalive', help: '(deprecated) seconds between heartbeats; used when --keepalivems is 0' },
  { name: 'keepalivems', kind: 'int', field: 'keepAliveMs', ...both(10000), json: 'keepalivems', help: 'milliseconds between heartbeats' },
  { name: 'keepalive-timeout', kind: 'int', field: 'keepAliveTimeout', ...both(75000), json: 'keepalive-timeout', help: 'milliseconds without a heartbeat reply before the session is closed' },
  { name: 'dns', kind: 'list', field: 'dns', server: [], json: 'dns', help: 'fallback DNS servers, comma separated ip:port list' },
  { name: 'ser', kind: 'string', field: 'ser', ...both('raw'), json: 'ser', help: 'built-in proxy: client raw|socks5|http, server raw|fast' },
  { name: 'snmplog', kind: 'string', field: 'snmpLog', ...both(''), json: 'snmplog', help: 'append SNMP counters to this file (Go time layout in the name, e.g. ./snmp-20060102.log)' },
  { name: 'snmpperiod', kind: 'int', field: 'snmpPeriod', ...both(60), json: 'snmpperiod', help: 'seconds between SNMP log rows' },
  { name: 'pprof', kind: 'string', field: 'pprof', ...both(''), bare: { value: PPROF_DEFAULT, next: /^(\[[^\]]*\]|[^-\s][^\s]*)?:\d+$/ }, json: 'pprof', valueName: 'addr', help: `serve CPU profiles and heap snapshots over HTTP on addr (bare: ${PPROF_DEFAULT}); the heap snapshot holds the process's secrets, the --key among them: keep it on loopback` },
  // server admission and replay protection (docs/deviations.md rows 17, 27), kcptunb-only: command line, not JSON; keep these rows together
  { name: 'maxsessions', kind: 'int', field: 'maxSessions', server: 0, help: 'most concurrent KCP sessions; 0 = sized from memory (a quarter of it at 1 MiB a session, 64–16384)' },
  { name: 'replay-filter', kind: 'bool', field: 'replayFilter', server: true, help: 'drop datagrams whose nonce was seen in the last 60 s or 2^18 datagrams, from any address; --replay-filter=0 to disable. Older replays cannot be told from fresh datagrams (rotate --key); with --crypt none or xor anyone can forge datagrams, so it only stops verbatim replays' },
  // observability, kcptunb-only (docs/deviations.md): a bare port means 127.0.0.1, ':port' every interface
  { name: 'metrics', kind: 'string', field: 'metrics', ...both(''), json: 'metrics', valueName: 'addr', help: 'serve Prometheus metrics (SNMP counters per process and shard, per-session gauges) at http://addr/metrics; a bare port binds 127.0.0.1' },
  { name: 'dashboard', kind: 'string', field: 'dashboard', ...both(''), json: 'dashboard', valueName: 'addr', help: 'serve a live dashboard (throughput, RTT, retransmissions, FEC, streams, shard load) at http://addr/; a bare port binds 127.0.0.1' },
  { name: 'log', kind: 'string', field: 'log', ...both(''), json: 'log', help: 'append log lines to this file instead of stderr' },
  { name: 'quiet', kind: 'bool', field: 'quiet', ...both(false), json: 'quiet', help: "suppress the 'stream open/close' lines" },
  { name: 'tfo', kind: 'bool', field: 'tfo', ...both(true), json: 'tfo', help: 'TCP Fast Open; --tfo=0 to disable' },
  { name: 'c', kind: 'string', field: 'configFile', ...both(''), help: 'JSON config file; its keys override the command line', valueName: 'file' },
  // ---- the kcptun (upstream xtaci/kcptun) flag dialect, docs/protocol.md §7.10: kept together ----
  { name: 'dialect', kind: 'string', field: 'dialect', ...both(''), json: 'dialect', help: "whose flag meanings: kcptunb (default) or kcptun; unset = kcptun once any kcptun-only flag below is used" },
  { name: 'smuxver', kind: 'int', field: 'smuxVer', ...both(2), json: 'smuxver', help: '(kcptun) smux version 1 or 2; selects the stock smux dialect' },
  { name: 'smuxbuf', kind: 'int', field: 'smuxBuf', ...both(4194304), json: 'smuxbuf', help: '(kcptun) smux session receive budget in bytes' },
  { name: 'framesize', kind: 'int', field: 'frameSize', ...both(8192), json: 'framesize', help: '(kcptun) largest smux frame payload in bytes' },
  { name: 'ratelimit', kind: 'int', field: 'rateLimit', ...both(0), json: 'ratelimit', help: '(kcptun) pace each session to this many bytes per second on the wire (UDP payload), 0 = off' },
  { name: 'closewait', kind: 'int', field: 'closeWait', ...both(0), json: 'closewait', help: '(kcptun) seconds a connection stays open after one direction ended before both close (kcptun dialect: server default 30)' },
  { name: 'QPP', kind: 'bool', field: 'qpp', ...both(false), json: 'qpp', help: '(kcptun) Quantum Permutation Pads: not supported' },
  { name: 'QPPCount', kind: 'int', field: 'qppCount', ...both(61), json: 'qpp-count', help: '(kcptun) number of QPP pads; unused without --QPP' },
  { name: 'tcp', kind: 'bool', field: 'tcp', ...both(false), json: 'tcp', help: '(kcptun) raw-socket fake TCP: not supported' },
];

/** The flags a side has. */
export function flagsFor(side: Side): FlagSpec[] {
  return FLAGS.filter((f) => f[side] !== undefined);
}

/** Store `value` in the flag's field; `kind` decides which type the field has. */
export function setField(config: Partial<TunnelConfig>, spec: FlagSpec, value: FlagValue): void {
  switch (spec.kind) {
    case 'int':
      if (typeof value === 'number') return void (config[spec.field] = value);
      break;
    case 'bool':
      if (typeof value === 'boolean') return void (config[spec.field] = value);
      break;
    case 'string':
      if (typeof value === 'string') return void (config[spec.field] = value);
      break;
    case 'list':
      if (typeof value === 'object') return void (config[spec.field] = [...value]);
      break;
  }
  throw new TypeError(`flag ${spec.name} (${spec.kind}) cannot hold ${JSON.stringify(value)}`);
}
