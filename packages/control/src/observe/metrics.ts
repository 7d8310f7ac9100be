/**
 * `--metrics ADDR`: the Prometheus text exposition format at `/metrics`, produced by prom-client
 * (a maintained implementation of the format: escaping, types, HELP lines) from a private
 * registry: kcptun's SNMP counters and kcptunb's own (docs/deviations.md) for the process and
 * per shard, per-session gauges, and prom-client's standard process metrics. Every scrape takes
 * fresh figures from the shards; rates are over the time since the previous scrape.
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { SNMP_COUNTERS, SNMP_GAUGES, type SnmpField } from '@kcptunb/snmp';
import type { HostPort } from '../config/address.js';
import type { Logger } from '../runtime/logger.js';
import type { TunnelStats } from '../runtime/stats.js';
import { listenOrLog } from './httpService.js';
import { sessionLabel, StatsSampler, type Sample, type SessionRates } from './sampler.js';

/** `BytesSent` → `bytes_sent`, `KCPInErrors` → `kcp_in_errors`, `FECRecovered` → `fec_recovered`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** What each SNMP counter counts, for the HELP lines. */
const SNMP_HELP: Partial<Record<SnmpField, string>> = {
  BytesSent: 'bytes handed to KCP',
  BytesReceived: 'bytes taken out of KCP',
  MaxConn: 'most sessions open at once in the current --snmpperiod',
  ActiveOpens: 'client sessions opened',
  PassiveOpens: 'server sessions accepted',
  CurrEstab: 'sessions open now',
  InErrs: 'datagrams dropped on input (bad length, unreadable, queue full)',
  InCsumErrors: 'datagrams whose CRC failed after decryption',
  KCPInErrors: 'KCP segments refused by KCP input',
  InPkts: 'datagrams received',
  OutPkts: 'datagrams sent',
  InSegs: 'KCP segments received',
  OutSegs: 'KCP segments sent',
  InBytes: 'datagram bytes received',
  OutBytes: 'datagram bytes sent',
  RetransSegs: 'KCP segments retransmitted (all causes)',
  FastRetransSegs: 'fast retransmissions',
  EarlyRetransSegs: 'early retransmissions',
  LostSegs: 'segments retransmitted after their RTO (taken as lost)',
  RepeatSegs: 'duplicate segments received',
  FECParityShards: 'FEC parity shards received',
  FECErrs: 'FEC groups that could not be reconstructed correctly',
  FECRecovered: 'segments FEC rebuilt from parity',
  FECShortShards: 'FEC groups too short to recover',
  ReplayDrops: 'datagrams dropped by the replay filter (a nonce seen before)',
  AdmissionDrops: 'first datagrams of new sessions refused by admission',
  IdleEvictions: 'unproven sessions ended to make room for a newcomer',
  MissedWakeups: 'sessions or links the scheduler audit found stalled with work to do and ran (a bug if ever non-zero)',
};

type GaugeOf = (s: Sample) => Array<[labels: Record<string, string | number>, value: number]>;

/** The registry of one tunnel; `update(sample)` sets what the next exposition shows. */
export class TunnelMetrics {
  readonly registry = new Registry();
  private current: Sample | undefined;

  constructor(side: 'client' | 'server', options: { processMetrics?: boolean } = {}) {
    const r = this.registry;
    r.setDefaultLabels({ side });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: r });
    for (const name of SNMP_COUNTERS) {
      const gauge = SNMP_GAUGES.includes(name);
      const help = `kcptun SNMP ${name}: ${SNMP_HELP[name] ?? name}`;
      const base = `kcptunb_snmp_${snakeCase(name)}${gauge ? '' : '_total'}`;
      this.mirror(gauge, base, help, [], (s) => [[{}, s.stats.snmp[name]]]);
      this.mirror(gauge, `kcptunb_shard_${base.slice('kcptunb_'.length)}`, `${help}, per data-plane shard`, ['shard'], (s) => s.stats.shards.map((sh) => [{ shard: sh.index }, sh.snmp[name]]));
    }
    this.gauge('kcptunb_shard_sessions', 'sessions the shard runs', ['shard'], (s) => s.stats.shards.map((sh) => [{ shard: sh.index }, sh.sessions]));
    this.gauge('kcptunb_shard_event_loop_utilization', 'busy fraction of the shard thread\'s event loop since the previous scrape (0-1)', ['shard'], (s) => s.shards.map((sh, i) => [{ shard: i }, sh.load]));
    const labels = ['session', 'shard', 'remote'];
    const perSession = (value: (st: TunnelStats['sessions'][number], rates: SessionRates) => number): GaugeOf => (s) =>
      s.stats.sessions.map((st) => {
        const key = sessionLabel(st);
        return [{ session: key, shard: st.shard, remote: st.remote }, value(st, s.sessions.get(key)!)];
      });
    this.gauge('kcptunb_session_send_bytes_per_second', 'bytes per second handed to KCP, since the previous scrape', labels, perSession((_, r) => r.sendBytesPerSec));
    this.gauge('kcptunb_session_receive_bytes_per_second', 'bytes per second taken out of KCP, since the previous scrape', labels, perSession((_, r) => r.receiveBytesPerSec));
    this.gauge('kcptunb_session_wire_send_bytes_per_second', 'datagram bytes per second sent, since the previous scrape', labels, perSession((_, r) => r.wireSendBytesPerSec));
    this.gauge('kcptunb_session_wire_receive_bytes_per_second', 'datagram bytes per second received, since the previous scrape', labels, perSession((_, r) => r.wireReceiveBytesPerSec));
    this.mirror(false, 'kcptunb_session_sent_bytes_total', 'bytes handed to KCP by the session', labels, perSession((st) => st.bytesSent));
    this.mirror(false, 'kcptunb_session_received_bytes_total', 'bytes taken out of KCP by the session', labels, perSession((st) => st.bytesReceived));
    this.gauge('kcptunb_session_srtt_seconds', 'KCP smoothed round-trip time', labels, perSession((st) => st.srtt / 1000));
    this.gauge('kcptunb_session_rttvar_seconds', 'KCP round-trip time variation', labels, perSession((st) => st.rttvar / 1000));
    this.gauge('kcptunb_session_rto_seconds', 'KCP retransmission timeout', labels, perSession((st) => st.rto / 1000));
    this.gauge('kcptunb_session_inflight_segments', 'segments sent and not yet acknowledged', labels, perSession((st) => st.inFlight));
    this.gauge('kcptunb_session_queued_segments', 'segments waiting behind the send window', labels, perSession((st) => st.queued));
    this.gauge('kcptunb_session_send_window_segments', 'configured send window', labels, perSession((st) => st.sendWindow));
    this.gauge('kcptunb_session_receive_window_segments', 'configured receive window', labels, perSession((st) => st.receiveWindow));
    this.gauge('kcptunb_session_receive_window_free_segments', 'free part of the receive window, as advertised to the peer', labels, perSession((st) => st.receiveWindowFree));
    this.gauge('kcptunb_session_remote_window_segments', 'the peer\'s last advertised receive window', labels, perSession((st) => st.remoteWindow));
    this.gauge('kcptunb_session_congestion_window_segments', 'KCP congestion window (limits sending only with nc=0)', labels, perSession((st) => st.congestionWindow));
    this.mirror(false, 'kcptunb_session_retransmitted_segments_total', 'segments the session sent again (RTO, fast, early)', labels, perSession((st) => st.retransmits));
    this.mirror(false, 'kcptunb_session_fec_recovered_segments_total', 'segments FEC rebuilt for the session', labels, perSession((st) => st.fecRecovered));
    this.gauge('kcptunb_session_retransmits_per_second', 'retransmitted segments per second, since the previous scrape', labels, perSession((_, r) => r.retransmitsPerSec));
    this.gauge('kcptunb_session_fec_recovered_per_second', 'FEC-recovered segments per second, since the previous scrape', labels, perSession((_, r) => r.fecRecoveredPerSec));
    this.gauge('kcptunb_session_open_streams', 'open smux streams of the session', labels, perSession((st) => st.openStreams));
  }

  update(sample: Sample): void {
    this.current = sample;
  }

  /** A gauge whose label sets are exactly what the current sample has (closed sessions disappear). */
  private gauge(name: string, help: string, labelNames: string[], values: GaugeOf): void {
    this.mirror(true, name, help, labelNames, values);
  }

  /** A metric that mirrors values the data plane keeps: reset, then set from the current sample at each collection. */
  private mirror(gauge: boolean, name: string, help: string, labelNames: string[], values: GaugeOf): void {
    const self = this;
    if (gauge) {
      new Gauge({
        name, help, labelNames, registers: [this.registry],
        collect() {
          this.reset();
          if (self.current) for (const [labels, v] of values(self.current)) this.set(labels, v);
        },
      });
    } else {
      new Counter({
        name, help, labelNames, registers: [this.registry],
        collect() {
          this.reset();
          if (self.current) for (const [labels, v] of values(self.current)) this.inc(labels, Math.max(0, v));
        },
      });
    }
  }
}

/** Serve `/metrics` on `at`; undefined (one log line) when it cannot listen there. */
export async function startMetrics(logger: Logger, at: HostPort, side: 'client' | 'server', stats: () => Promise<TunnelStats>): Promise<Server | undefined> {
  const metrics = new TunnelMetrics(side);
  const sampler = new StatsSampler(stats);
  // scrapes one at a time: each is a sample (rates since the previous) and then its exposition
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') {
      res.statusCode = path === '/' ? 200 : 404;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(path === '/' ? 'kcptunb metrics: /metrics (Prometheus text format)\n' : 'not found\n');
      return;
    }
    const scrape = queue.then(async () => {
      metrics.update(await sampler.sample());
      return metrics.registry.metrics();
    });
    queue = scrape.catch(() => undefined);
    scrape.then(
      (text) => {
        res.setHeader('content-type', metrics.registry.contentType);
        res.end(text);
      },
      (e: Error) => {
        logger.log(`metrics: ${e.message}`);
        res.statusCode = 500;
        res.end();
      },
    );
  });
  const url = await listenOrLog(server, at, 'metrics', logger, 'metrics');
  if (!url) return undefined;
  logger.log(`metrics: ${url}/metrics`);
  return server;
}
