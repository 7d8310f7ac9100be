/**
 * From the flag-level TunnelConfig to what the layers run with: one settings
 * object per layer, each checked by that layer's own verify function, and the
 * addresses parsed. Runs before anything is printed or bound; every problem
 * becomes one ConfigError naming the flag.
 */
// the settings entries of the data-plane packages, not their barrels: the control thread checks
// settings but runs no KCP, FEC or cipher (those load in the shard workers; bench/README.md "Memory")
import { UnknownCipherError } from '@kcptunb/crypt/errors';
import { deriveKey } from '@kcptunb/crypt/keyDerivation';
import { verifyCryptSettings } from '@kcptunb/crypt/settings';
import { defaultMaxSessions, InvalidSocketSettingsError, verifySocketSettings, type AdmissionSettings, type SessionSettings, type SocketSettings } from '@kcptunb/dataplane';
import { totalmem } from 'node:os';
import { InvalidFecSettingsError } from '@kcptunb/fec/errors';
import { verifyFecSettings, type FecSettings } from '@kcptunb/fec/settings';
import { applyMode, verifyKcpSettings, type KcpSettings } from '@kcptunb/kcp/config';
import { InvalidKcpConfigError } from '@kcptunb/kcp/errors';
import { InvalidSmuxConfigError, SMUX_VERSION, verifySmuxConfig, type SmuxConfig } from '@kcptunb/smux';
import { KCPTUN_KEEPALIVE_TIMEOUT_MS } from './flagDialect.js';
import { parseAddress, parseServiceAddress, type AddressRules, type HostPort } from './address.js';
import { ConfigError } from './configError.js';
import { FLAGS, type FlagField } from './flags.js';
import type { Side, TunnelConfig } from './tunnelConfig.js';

/** What a client or server runs with. */
export interface TunnelSettings {
  side: Side;
  /** client: local TCP address; server: UDP listen address. */
  listen: HostPort;
  /** client: the server's UDP address; server: the TCP target. */
  remote: HostPort;
  /** server: --dns fallback resolvers. */
  dns: HostPort[];
  /** Where --pprof listens (the client's only in the kcptun dialect); undefined = off. */
  pprof?: HostPort;
  /** Where --metrics and --dashboard listen; undefined = off. */
  metrics?: HostPort;
  dashboard?: HostPort;
  session: SessionSettings;
  smux: SmuxConfig;
  /** server: session cap and replay filter of the listener. */
  admission: AdmissionSettings;
  /** The flag-level view: the banner, and the options only the control runtime reads (conn, ser, tfo, log…). */
  config: Readonly<TunnelConfig>;
}

/** Which TunnelConfig field each layer field comes from, to name the flag in errors. */
const KCP_FIELDS: Readonly<Record<keyof KcpSettings, FlagField>> = { mtu: 'mtu', sndWnd: 'sndWnd', rcvWnd: 'rcvWnd', nodelay: 'noDelay', interval: 'interval', resend: 'resend', nc: 'noCongestion', ackNoDelay: 'ackNoDelay' };
const FEC_FIELDS: Readonly<Record<keyof FecSettings, FlagField>> = { dataShards: 'dataShard', parityShards: 'parityShard' };
const SOCKET_FIELDS: Readonly<Record<keyof SocketSettings, FlagField>> = { sockBuf: 'sockBuf', dscp: 'dscp' };
const SMUX_FIELDS: Readonly<Record<keyof SmuxConfig, FlagField>> = {
  dialect: 'dialect',
  version: 'dialect',
  adoptPeerVersion: 'dialect',
  keepAliveIntervalMs: 'keepAliveMs',
  keepAliveTimeoutMs: 'keepAliveTimeout',
  maxFrameSize: 'maxFrame',
  maxReceiveBuffer: 'sockBuf',
  enableStreamBuffer: 'streamBufEnabled',
  maxStreamBuffer: 'streamBuf',
  streamWindow: 'streamBuf',
  boostTimeoutMs: 'streamBoost',
  writeHighWaterMark: 'pipeBuf',
};
/** The same in the kcptun flag dialect: its own flags behind the smux fields (docs/protocol.md §7.10). */
const KCPTUN_SMUX_FIELDS: Readonly<Record<keyof SmuxConfig, FlagField>> = {
  ...SMUX_FIELDS,
  version: 'smuxVer',
  keepAliveIntervalMs: 'keepAlive',
  keepAliveTimeoutMs: 'keepAlive',
  maxFrameSize: 'frameSize',
  maxReceiveBuffer: 'smuxBuf',
};

const LISTEN_RULES: Readonly<Record<Side, AddressRules>> = {
  // kcptunB's client hands --localaddr to net.Listen, which takes port 0 as "any free port"
  client: { anyHost: true, portZero: true },
  // a server on a random port cannot be reached by a client configured in advance
  // kcptun's multi-port form host:min-max: one UDP socket per port (docs/protocol.md §7.13)
  server: { anyHost: true, portZero: false, portRange: true },
};
const DIAL_RULES: AddressRules = { anyHost: false, portZero: false };
/** The client's --remoteaddr: a port range means a random port of it per session (docs/protocol.md §7.13). */
const SERVER_ADDRESS_RULES: AddressRules = { ...DIAL_RULES, portRange: true };
const RESOLVER_RULES: AddressRules = { anyHost: false, portZero: false, ipOnly: true };
/** --pprof ADDR: ":port" is every interface (an explicit choice), port 0 lets the kernel pick. */
const PPROF_RULES: AddressRules = { anyHost: true, portZero: true };

/** --metrics and --dashboard: a bare port is loopback; ':port' every interface (an explicit choice); port 0 lets the kernel pick. */
function serviceAddress(side: Side, field: 'metrics' | 'dashboard', text: string): HostPort {
  const r = parseServiceAddress(text);
  if (!r.ok) throw new ConfigError(`invalid --${flagName(side, field)} ${JSON.stringify(text)}: ${r.reason}`);
  return r.address;
}

function flagName(side: Side, field: FlagField): string {
  return FLAGS.find((f) => f.field === field && f[side] !== undefined)?.name ?? field;
}

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function address(side: Side, field: 'listen' | 'remote' | 'dns' | 'pprof', text: string, rules: AddressRules): HostPort {
  const r = parseAddress(text, rules);
  if (!r.ok) throw new ConfigError(`invalid --${flagName(side, field)} ${JSON.stringify(text)}: ${r.reason}`);
  return r.address;
}

const fieldOf = (table: Readonly<Record<string, FlagField>>, key: string): FlagField | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** The flag behind a layer's typed settings error, with what it got and expected. */
function layerProblem(e: unknown, kcptun: boolean): { field: FlagField | undefined; value: unknown; expected: string } | undefined {
  if (e instanceof InvalidKcpConfigError) return { field: fieldOf(KCP_FIELDS, e.field), value: e.value, expected: e.expected };
  if (e instanceof InvalidFecSettingsError) return { field: FEC_FIELDS[e.field], value: e.value, expected: e.expected };
  if (e instanceof InvalidSocketSettingsError) return { field: SOCKET_FIELDS[e.field], value: e.value, expected: e.expected };
  if (e instanceof InvalidSmuxConfigError) return { field: fieldOf(kcptun ? KCPTUN_SMUX_FIELDS : SMUX_FIELDS, e.field), value: e.value, expected: e.expected };
  return undefined;
}

/** Run a layer's verify; its typed error becomes a ConfigError naming the flag. */
function verified<T>(side: Side, verify: () => T, kcptun = false): T {
  try {
    return verify();
  } catch (e) {
    if (e instanceof UnknownCipherError) throw new ConfigError(`invalid --crypt ${shown(e.cipherName)}: allowed values are ${e.allowed.join(', ')}`);
    const p = layerProblem(e, kcptun);
    // a field no flag sets would be a bug in the mapping below: let it surface as such
    if (!p?.field) throw e;
    throw new ConfigError(`invalid --${flagName(side, p.field)} ${shown(p.value)}: expected ${p.expected}`);
  }
}

/** Bounds of the options only the control runtime reads. */
function verifyControlOptions(c: TunnelConfig): void {
  const int = (field: FlagField, min: number, max: number) => {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`invalid --${flagName(c.side, field)} ${shown(v)}: expected an integer in [${min}, ${max}]`);
  };
  const INT32_MAX = 0x7fffffff;
  int('keepAlive', 0, INT32_MAX);
  int('snmpPeriod', 0, INT32_MAX);
  if (c.side === 'server') int('maxSessions', 0, 1 << 20);
  if (c.side === 'client') {
    int('conn', 1, 65535);
    int('autoExpire', 0, INT32_MAX);
    int('scavengeTtl', -1, INT32_MAX);
  }
}

/** Map, parse and verify everything a run needs; the first problem is a ConfigError. */
export function tunnelSettings(c: TunnelConfig): TunnelSettings {
  const side = c.side;
  const listen = address(side, 'listen', c.listen, LISTEN_RULES[side]);
  const remote = address(side, 'remote', c.remote, side === 'client' ? SERVER_ADDRESS_RULES : DIAL_RULES);
  const dns = c.dns.map((d) => address(side, 'dns', d, RESOLVER_RULES));
  const pprof = c.pprof ? address(side, 'pprof', c.pprof, PPROF_RULES) : undefined;
  const metrics = c.metrics ? serviceAddress(side, 'metrics', c.metrics) : undefined;
  const dashboard = c.dashboard ? serviceAddress(side, 'dashboard', c.dashboard) : undefined;
  verifyControlOptions(c);
  // the --mode profile overrides the manual nodelay/interval/resend/nc, as in kcptunB
  const kcp = verified(side, () =>
    verifyKcpSettings(applyMode({ mtu: c.mtu, sndWnd: c.sndWnd, rcvWnd: c.rcvWnd, nodelay: c.noDelay, interval: c.interval, resend: c.resend, nc: c.noCongestion, ackNoDelay: c.ackNoDelay }, c.mode)),
  );
  const fec = verified(side, () => verifyFecSettings({ dataShards: c.dataShard, parityShards: c.parityShard }));
  const crypt = verified(side, () => verifyCryptSettings({ method: c.crypt, key: deriveKey(c.key) }));
  const socket = verified(side, () => verifySocketSettings({ sockBuf: c.sockBuf, dscp: c.dscp }));
  const kcptun = c.dialect === 'kcptun';
  const smux = kcptun
    ? verified(
        side,
        () =>
          // upstream kcptun: stock smux, --sockbuf only sizes the UDP sockets (docs/protocol.md §4.8, §7.10)
          verifySmuxConfig({
            dialect: 'stock',
            version: c.smuxVer,
            // a server takes each client's version, so Debian (v1) and upstream (v2) clients share it (docs/protocol.md §4.8)
            adoptPeerVersion: side === 'server',
            keepAliveIntervalMs: c.keepAlive * 1000,
            keepAliveTimeoutMs: KCPTUN_KEEPALIVE_TIMEOUT_MS,
            maxFrameSize: c.frameSize,
            maxReceiveBuffer: c.smuxBuf,
            enableStreamBuffer: false,
            streamWindow: c.streamBuf,
            writeHighWaterMark: c.pipeBuf,
          }),
        true,
      )
    : verified(side, () =>
    verifySmuxConfig({
      dialect: 'kcptunb',
      version: SMUX_VERSION,
      // kcptunB: --keepalivems 0 falls back to the deprecated --keepalive seconds
      keepAliveIntervalMs: c.keepAliveMs === 0 ? c.keepAlive * 1000 : c.keepAliveMs,
      keepAliveTimeoutMs: c.keepAliveTimeout,
      maxFrameSize: c.maxFrame,
      maxReceiveBuffer: c.sockBuf,
      enableStreamBuffer: c.streamBufEnabled,
      maxStreamBuffer: c.streamBuf,
      boostTimeoutMs: c.streamBoost,
      writeHighWaterMark: c.pipeBuf,
    }),
  );
  if (!Number.isInteger(c.rateLimit) || c.rateLimit < 0 || c.rateLimit > 0x7fffffff) throw new ConfigError(`invalid --ratelimit ${shown(c.rateLimit)}: expected an integer in [0, 2147483647]`);
  // `--crypt null` has no per-datagram nonce (docs/protocol.md §1.10): nothing tells a replay from a
  // retransmission, so the filter stays off there
  const admission: AdmissionSettings = { maxSessions: c.maxSessions || defaultMaxSessions(memoryLimit()), replayFilter: c.replayFilter && c.crypt !== 'null' };
  return { side, listen, remote, dns, pprof, metrics, dashboard, session: { kcp, fec, crypt, compression: !c.noComp, socket, rateLimit: kcptun ? c.rateLimit : 0 }, smux, admission, config: c };
}

/** Memory this process may use: the machine's, or its cgroup limit when lower. */
function memoryLimit(): number {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < totalmem() ? constrained : totalmem();
}
