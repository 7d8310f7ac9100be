/**
 * The dashboard's one page: six uPlot charts fed by `/events` (dashboardFeed.ts). The script
 * keeps the last few minutes of samples and rebuilds a chart when its set of series changes
 * (a session opened or closed). For tests and scripts it publishes what it drew: the body's
 * `data-samples` and `data-throughput` (latest bytes/s, all sessions and directions), and
 * `window.kcptunbDashboard.charts` (the uPlot instances, whose `.data` is what is drawn).
 */

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 16px; background: #fafafa; color: #222; }
h1 { font-size: 18px; margin: 0 0 4px; }
#status { color: #666; margin-bottom: 12px; }
#charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 12px; }
.chart { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; min-height: 260px; }
.chart h2 { font-size: 14px; margin: 0 0 4px; }
`;

/** Runs in the browser (plain ES2020, no modules). */
const SCRIPT = String.raw`
(() => {
  const KEEP = 300;
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const bytes = (v) => v == null ? '' : v >= 1e9 ? (v / 1e9).toFixed(1) + ' GB/s' : v >= 1e6 ? (v / 1e6).toFixed(1) + ' MB/s' : v >= 1e3 ? (v / 1e3).toFixed(1) + ' kB/s' : v.toFixed(0) + ' B/s';
  const plain = (unit) => (v) => v == null ? '' : (Math.round(v * 100) / 100) + unit;
  const short = (key) => key.split(':').slice(0, 2).join(':');
  // each chart: its title, value format, and the named values of one sample
  const CHARTS = {
    throughput: { title: 'Throughput per session and direction', fmt: bytes, values: (s) => s.sessions.flatMap((x) => [['send ' + short(x.key), x.send], ['receive ' + short(x.key), x.receive]]) },
    rtt: { title: 'RTT (smoothed) and RTO', fmt: plain(' ms'), values: (s) => s.sessions.flatMap((x) => [['srtt ' + short(x.key), x.srtt], ['rto ' + short(x.key), x.rto]]) },
    recovery: { title: 'Retransmissions and FEC recoveries per second', fmt: plain('/s'), values: (s) => [['retransmitted', s.sessions.reduce((n, x) => n + x.retransmits, 0)], ['FEC recovered', s.sessions.reduce((n, x) => n + x.fecRecovered, 0)]] },
    streams: { title: 'Open streams', fmt: plain(''), values: (s) => s.sessions.map((x) => ['streams ' + short(x.key), x.streams]) },
    shardLoad: { title: 'Shard load (event-loop busy %)', fmt: plain(' %'), values: (s) => s.shards.map((x) => ['shard ' + x.index, x.load * 100]) },
    shardTraffic: { title: 'Shard traffic on the wire', fmt: bytes, values: (s) => s.shards.flatMap((x) => [['out ' + x.index, x.wireSend], ['in ' + x.index, x.wireReceive]]) },
  };
  const times = [];
  const history = {};
  const charts = {};
  const root = document.getElementById('charts');
  for (const [id, c] of Object.entries(CHARTS)) {
    history[id] = new Map();
    const box = document.createElement('div');
    box.className = 'chart';
    box.id = 'chart-' + id;
    box.innerHTML = '<h2></h2>';
    box.firstChild.textContent = c.title;
    root.appendChild(box);
  }
  window.kcptunbDashboard = { charts, samples: 0, latest: null };

  function record(id, sample) {
    const h = history[id];
    const now = new Map(CHARTS[id].values(sample));
    for (const name of now.keys()) if (!h.has(name)) h.set(name, new Array(times.length - 1).fill(null));
    for (const [name, column] of h) {
      column.push(now.has(name) ? now.get(name) : null);
      if (column.length > KEEP) column.shift();
      if (column.every((v) => v == null)) h.delete(name);
    }
  }

  function draw(id) {
    const c = CHARTS[id];
    const names = [...history[id].keys()];
    const data = [times.slice(), ...names.map((n) => history[id].get(n))];
    const chart = charts[id];
    const same = chart && chart.series.length === names.length + 1 && names.every((n, i) => chart.series[i + 1].label === n);
    if (same) return chart.setData(data);
    if (chart) chart.destroy();
    const box = document.getElementById('chart-' + id);
    charts[id] = new uPlot({
      width: Math.max(320, box.clientWidth - 16),
      height: 220,
      scales: { x: { time: true } },
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: PALETTE[i % PALETTE.length], width: 1.5, value: (u, v) => c.fmt(v) }))],
      axes: [{}, { size: 80, values: (u, vals) => vals.map(c.fmt) }],
    }, data, box);
  }

  function onSample(sample) {
    times.push(sample.t / 1000);
    if (times.length > KEEP) times.shift();
    for (const id of Object.keys(CHARTS)) record(id, sample);
    for (const id of Object.keys(CHARTS)) draw(id);
    const d = window.kcptunbDashboard;
    d.samples++;
    d.latest = sample;
    document.body.dataset.samples = String(d.samples);
    document.body.dataset.throughput = String(sample.sessions.reduce((n, x) => n + x.send + x.receive, 0));
    const streams = sample.sessions.reduce((n, x) => n + x.streams, 0);
    document.getElementById('status').textContent = sample.side + ': ' + sample.sessions.length + ' session(s), ' + streams + ' stream(s), ' + sample.shards.length + ' shard(s) — updated ' + new Date(sample.t).toLocaleTimeString();
  }

  const events = new EventSource('events');
  events.onmessage = (e) => onSample(JSON.parse(e.data));
  events.onerror = () => { document.getElementById('status').textContent = 'disconnected; retrying…'; };
})();
`;

export function dashboardPage(side: 'client' | 'server'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kcptunb ${side} dashboard</title>
<link rel="stylesheet" href="uPlot.min.css">
<style>${STYLE}</style>
</head>
<body data-samples="0" data-throughput="0">
<h1>kcptunb ${side}</h1>
<div id="status">waiting for the first sample…</div>
<div id="charts"></div>
<script src="uPlot.iife.min.js"></script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
