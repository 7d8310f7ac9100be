/**
 * --metrics on a real client and server: scraped twice during a transfer and parsed with a
 * real exposition-format parser (parse-prometheus-text-format): the SNMP counters per process
 * and per shard (kcptunb's replay-filter counter among them), per-session gauges, process
 * metrics; counters grow and rates are non-zero between the scrapes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { SNMP_COUNTERS, SNMP_GAUGES } from '@kcptunb/snmp';
import { canConnect, ProcessGroup, startTunnel, waitFor, type Proc } from '@kcptunb/testkit';
import { EchoRounds } from '../support/echoRounds.js';

const group = new ProcessGroup();
after(() => group.cleanup());

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** The URL a process logged for its metrics endpoint. */
function metricsUrl(p: Proc): string | undefined {
  return /metrics: (http:\/\/\S+\/metrics)/.exec(p.output())?.[1];
}

async function scrape(url: string): Promise<Map<string, ParsedFamily>> {
  const r = await httpGet(url, 5000);
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(r.body).map((f) => [f.name, f]));
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** The one value of a family without per-series labels beyond `side` (or the sum over its series). */
function value(families: Map<string, ParsedFamily>, name: string): number {
  const f = families.get(name);
  assert.ok(f, `${name} is exposed`);
  return f.metrics.reduce((n, m) => n + Number(m.value), 0);
}

const MiB = 1 << 20;

test('--metrics: SNMP per process and shard, per-session gauges and process metrics, scraped during a transfer', async () => {
  const target = await group.echoServer();
  // the server names host:port, the client a bare port (127.0.0.1)
  const t = await startTunnel(group, 'ours', 'ours', target, {}, ['--metrics', '0'], ['--metrics', '127.0.0.1:0']);
  await waitFor(() => metricsUrl(t.client) !== undefined && metricsUrl(t.server) !== undefined, 8000, 'both metrics endpoints');
  const urls = { client: metricsUrl(t.client)!, server: metricsUrl(t.server)! };
  for (const url of Object.values(urls)) {
    const port = Number(new URL(url).port);
    assert.equal(new URL(url).hostname, '127.0.0.1');
    assert.equal(await canConnect(port, '127.0.0.2'), false, 'loopback 127.0.0.1 only');
  }
  const echo = await EchoRounds.open(t.port, 3);
  await echo.round(MiB);
  const first = { client: await scrape(urls.client), server: await scrape(urls.server) };
  await echo.round(2 * MiB);
  const second = { client: await scrape(urls.client), server: await scrape(urls.server) };

  for (const side of ['client', 'server'] as const) {
    const [a, b] = [first[side], second[side]];
    // every SNMP counter, process-wide and per shard; CurrEstab and MaxConn are gauges
    for (const name of SNMP_COUNTERS) {
      const gauge = SNMP_GAUGES.includes(name);
      const base = `kcptunb_snmp_${snake(name)}${gauge ? '' : '_total'}`;
      const shard = `kcptunb_shard_snmp_${snake(name)}${gauge ? '' : '_total'}`;
      assert.equal(b.get(base)?.type, gauge ? 'GAUGE' : 'COUNTER', `${side} ${base}`);
      assert.equal(b.get(shard)?.type, gauge ? 'GAUGE' : 'COUNTER', `${side} ${shard}`);
      assert.ok(b.get(shard)!.metrics.every((m) => /^\d+$/.test(m.labels?.shard ?? '')), `${shard} has a shard label`);
      assert.equal(value(b, base), value(b, shard), `${side} ${name}: the process is the sum of its shards`);
    }
    assert.ok(b.has('kcptunb_snmp_replay_drops_total'), 'the replay filter counter');
    assert.equal(b.get('kcptunb_snmp_bytes_sent_total')!.metrics[0]!.labels?.side, side);
    // 3 MiB echoed: bytes grew between the scrapes by at least the second round's 2 MiB
    const grew = value(b, 'kcptunb_snmp_bytes_sent_total') - value(a, 'kcptunb_snmp_bytes_sent_total');
    assert.ok(grew >= 2 * MiB, `${side} BytesSent grew by ${grew}`);
    assert.equal(value(b, 'kcptunb_snmp_curr_estab'), 1);
    assert.ok(value(b, 'process_cpu_seconds_total') > 0, 'process metrics');
    // per-session gauges: one session, one open stream, traffic since the last scrape
    const session = b.get('kcptunb_session_send_bytes_per_second')!;
    assert.equal(session.type, 'GAUGE');
    assert.equal(session.metrics.length, 1, `${side}: one session`);
    assert.match(session.metrics[0]!.labels!.session!, /^\d+:\d+:\d+$/);
    assert.match(session.metrics[0]!.labels!.remote!, /^127\.0\.0\.1:\d+$/);
    assert.ok(value(b, 'kcptunb_session_send_bytes_per_second') > 0, `${side} send rate`);
    assert.ok(value(b, 'kcptunb_session_receive_bytes_per_second') > 0, `${side} receive rate`);
    assert.ok(value(b, 'kcptunb_session_sent_bytes_total') >= 3 * MiB, `${side} session bytes`);
    assert.equal(value(b, 'kcptunb_session_open_streams'), 1);
    for (const name of ['srtt_seconds', 'rttvar_seconds', 'inflight_segments', 'queued_segments', 'receive_window_free_segments', 'congestion_window_segments', 'retransmits_per_second', 'fec_recovered_per_second']) {
      const v = value(b, `kcptunb_session_${name}`);
      assert.ok(Number.isFinite(v) && v >= 0, `${side} ${name} ${v}`);
    }
    assert.ok(value(b, 'kcptunb_session_rto_seconds') > 0 && value(b, 'kcptunb_session_rto_seconds') < 60);
    assert.ok(value(b, 'kcptunb_session_send_window_segments') > 0 && value(b, 'kcptunb_session_remote_window_segments') > 0);
    assert.ok(b.has('kcptunb_session_retransmitted_segments_total') && b.has('kcptunb_session_fec_recovered_segments_total'));
    assert.ok(value(b, 'kcptunb_shard_sessions') === 1 && b.has('kcptunb_shard_event_loop_utilization'));
  }
  echo.close();
});
