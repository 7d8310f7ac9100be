/**
 * The interop matrix with upstream kcptun 20260126 (the static binaries in
 * ../shared/peers/kcptun-20260126): both pairings × smux v1/v2 × {aes, salsa20,
 * aes-128-gcm, null, none --nocomp} × FEC 10/3 or off = 40 cells, plus upstream's
 * defaults against ours in both pairings. Each cell: 4 MiB echoed each way plus 10
 * concurrent streams, SHA-256 verified.
 *
 * Both ends get the SAME upstream-style flags — what a user copies from their
 * upstream command line; ours reads them in the kcptun flag dialect
 * (docs/protocol.md §7.10), which `--smuxver` selects. In the defaults cells upstream
 * gets no flags at all and ours only `--dialect kcptun`.
 */
import { concurrentEchoes, echoTransfer, ProcessGroup, startTunnel, type Impl } from '@kcptunb/testkit';

export interface UpstreamCell {
  client: Impl;
  server: Impl;
  crypt: string;
  comp: boolean;
  fec: boolean;
  /** smux version both ends are told, or 'defaults' (no flags on upstream's side). */
  smux: 1 | 2 | 'defaults';
}

export const UPSTREAM_PAIRINGS: Array<[Impl, Impl]> = [
  ['ours', 'upstream'],
  ['upstream', 'ours'],
];

/** The ciphers of the matrix; `none` runs with --nocomp, the others compressed. */
export const UPSTREAM_CRYPTS: ReadonlyArray<{ crypt: string; comp: boolean }> = [
  { crypt: 'aes', comp: true },
  { crypt: 'salsa20', comp: true },
  { crypt: 'aes-128-gcm', comp: true },
  { crypt: 'null', comp: true },
  { crypt: 'none', comp: false },
];

export function upstreamCellName(c: UpstreamCell): string {
  if (c.smux === 'defaults') return `${c.client}→${c.server} upstream defaults`;
  return `${c.client}→${c.server} smux v${c.smux} ${c.crypt}${c.comp ? '' : ' --nocomp'} fec=${c.fec ? '10/3' : 'off'}`;
}

const defaultsCells = (): UpstreamCell[] => UPSTREAM_PAIRINGS.map(([client, server]) => ({ client, server, crypt: 'aes', comp: true, fec: true, smux: 'defaults' }));

export function allUpstreamCells(): UpstreamCell[] {
  const cells: UpstreamCell[] = [];
  for (const [client, server] of UPSTREAM_PAIRINGS) for (const smux of [1, 2] as const) for (const { crypt, comp } of UPSTREAM_CRYPTS) for (const fec of [true, false]) cells.push({ client, server, crypt, comp, fec, smux });
  return [...cells, ...defaultsCells()];
}

/**
 * A pairwise-covering subset for CI: every cipher in both pairings, and every pair of
 * values of any two factors (cipher, pairing, smux version, FEC) appears; plus the
 * two defaults cells.
 */
export function pairwiseUpstreamCells(): UpstreamCell[] {
  const cells = UPSTREAM_CRYPTS.flatMap(({ crypt, comp }, i) => {
    const smux = (1 + (i % 2)) as 1 | 2;
    const fec = (i >> 1) % 2 === 0;
    return [
      { client: 'ours', server: 'upstream', crypt, comp, fec, smux },
      { client: 'upstream', server: 'ours', crypt, comp, fec: !fec, smux: (3 - smux) as 1 | 2 },
    ] as UpstreamCell[];
  });
  return [...cells, ...defaultsCells()];
}

/** The flags one end gets: identical for both implementations, except the defaults cells. */
export function upstreamCellFlags(impl: Impl, c: UpstreamCell): string[] {
  if (c.smux === 'defaults') return impl === 'ours' ? ['--dialect', 'kcptun'] : [];
  return ['--smuxver', String(c.smux), ...(c.fec ? [] : ['--datashard', '0', '--parityshard', '0'])];
}

const MiB = 1 << 20;

/** Run one cell; resolves with timings or rejects with the reason. */
export async function runUpstreamCell(group: ProcessGroup, target: number, c: UpstreamCell): Promise<{ echoMs: number }> {
  // defaults cells: only the key (the harness adds --quiet and --crypt aes, both programs' default)
  const common = c.smux === 'defaults' ? { key: 'upstream matrix' } : { crypt: c.crypt, key: `upstream matrix ${c.crypt}`, nocomp: !c.comp };
  const t = await startTunnel(group, c.client, c.server, target, common, upstreamCellFlags(c.client, c), upstreamCellFlags(c.server, c));
  try {
    const shards = c.fec ? 'datashard: 10 parityshard: 3' : 'datashard: 0 parityshard: 0';
    const smux = `smux version: ${c.smux === 'defaults' ? 2 : c.smux}`;
    // each program prints its settings at start-up, not necessarily before its port accepts
    for (const p of [t.client, t.server]) {
      for (const want of [shards, smux, `encryption: ${c.crypt}`]) {
        await p.waitOutput(new RegExp(want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 10_000, `${p.label} to say it runs with ${want}`);
      }
    }
    const r = await echoTransfer(t.port, 4 * MiB, 60_000);
    await concurrentEchoes(t.port, 10, 128 * 1024, 60_000);
    return { echoMs: r.ms };
  } finally {
    await Promise.all([t.client.stop(), t.server.stop()]);
  }
}
