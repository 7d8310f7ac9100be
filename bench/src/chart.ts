/**
 * The tunnel bench's picture: ours vs upstream vs Debian per test, as grouped bars (median, with a
 * min–max whisker) of throughput, CPU s/GB, ping latency and resident memory per process. Built with vega-lite (the spec) and
 * rendered to SVG by vega's headless View (renderer 'none': no browser, no canvas).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Impl } from '@kcptunb/testkit';
import { IMPL_COLUMNS, type Saved, type Summary } from './tunnelReport.js';

interface Bar {
  group: string;
  impl: Impl;
  median: number;
  min: number;
  max: number;
}

const COLORS: Record<Impl, string> = { ours: '#1f77b4', upstream: '#ff7f0e', kcptun: '#7f7f7f' };

function bars(summary: Summary, configs: string[], impls: Impl[], keys: Array<[key: string, label: string]>): Bar[] {
  const out: Bar[] = [];
  for (const config of configs) {
    for (const [key, label] of keys) {
      const row = summary[config]?.[key];
      if (!row) continue;
      for (const impl of impls) {
        const c = row.cells[impl];
        if (c && c.n > 0) out.push({ group: label ? `${config} · ${label}` : config, impl, median: c.median, min: c.min, max: c.max });
      }
    }
  }
  return out;
}

function panel(title: string, unit: string, values: Bar[], impls: Impl[], width: number): object {
  const groups = [...new Set(values.map((v) => v.group))];
  const x = { field: 'group', type: 'nominal', sort: groups, title: null, axis: { labelAngle: -30, labelLimit: 220 } };
  return {
    title,
    width,
    height: 200,
    data: { values },
    encoding: { x, xOffset: { field: 'impl', sort: impls }, color: { field: 'impl', title: null, scale: { domain: impls, range: impls.map((i) => COLORS[i]) }, sort: impls } },
    layer: [
      { mark: { type: 'bar', tooltip: true }, encoding: { y: { field: 'median', type: 'quantitative', title: unit } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } } },
    ],
  };
}

/** The SVG text of the chart. */
export async function chartSvg(saved: Saved, summary: Summary): Promise<string> {
  const impls = IMPL_COLUMNS.filter((i) => saved.impls.includes(i));
  const configs = Object.keys(saved.configs);
  const n = saved.settings.streams;
  const throughput = bars(summary, configs, impls, [['up1', 'up 1'], ['down1', 'down 1'], ['upN', `up ${n}`], ['downN', `down ${n}`]]);
  const cpu = bars(summary, configs, impls, [['cpuPerGB', '']]);
  const ping = bars(summary, configs, impls, [['pingP50', 'p50'], ['pingP99', 'p99']]);
  const rss = bars(summary, configs, impls, [['idleRssClient', 'idle client'], ['idleRssServer', 'idle server'], ['peakRssClient', 'peak client'], ['peakRssServer', 'peak server']]);
  const quick = saved.settings.quick ? ' (--quick: small sizes)' : '';
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `kcptunb vs upstream kcptun vs Debian kcptun, loopback${quick}`, subtitle: `${saved.started} · ${saved.host?.cpuModel ?? 'unknown cpu'} × ${saved.host?.cores ?? '?'} · Node ${saved.host?.node ?? '?'} · medians of ${saved.settings.runs} run(s), whiskers min–max` },
    background: 'white',
    vconcat: [
      panel('Throughput (higher is better)', 'MB/s', throughput, impls, Math.max(400, configs.length * 4 * 60)),
      { hconcat: [panel('CPU per GB moved, client+server (lower is better)', 's/GB', cpu, impls, Math.max(200, configs.length * 80)), panel('Ping 64 B round trip (lower is better)', 'ms', ping, impls, Math.max(300, configs.length * 2 * 60))] },
      panel('Resident memory per process (lower is better; targets: idle ≤ 50, peak ≤ 64 MiB)', 'MiB', rss, impls, Math.max(400, configs.length * 4 * 60)),
    ],
    config: { view: { stroke: null }, legend: { orient: 'top' } },
  } as unknown as TopLevelSpec;
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
