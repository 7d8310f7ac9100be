/**
 * The interop matrix with Debian kcptun:
 * 13 cipher names × FEC on/off × compression on/off × both pairings = 104 cells.
 * Each cell: 4 MiB echoed each way plus 10 concurrent streams, SHA-256 verified.
 */
import { KCPTUNB_CIPHER_NAMES } from '@kcptunb/crypt';
import { concurrentEchoes, echoTransfer, ProcessGroup, startTunnel, type Impl } from '@kcptunb/testkit';

export interface Cell {
  client: Impl;
  server: Impl;
  crypt: string;
  fec: boolean;
  comp: boolean;
}

export const PAIRINGS: Array<[Impl, Impl]> = [
  ['ours', 'kcptun'],
  ['kcptun', 'ours'],
];

export function cellName(c: Cell): string {
  return `${c.client}→${c.server} ${c.crypt} fec=${c.fec ? '10/3' : 'off'} comp=${c.comp ? 'on' : 'off'}`;
}

export function allCells(): Cell[] {
  const cells: Cell[] = [];
  for (const [client, server] of PAIRINGS) for (const crypt of KCPTUNB_CIPHER_NAMES) for (const fec of [true, false]) for (const comp of [true, false]) cells.push({ client, server, crypt, fec, comp });
  return cells;
}

/**
 * A pairwise-covering subset: every cipher in both pairings, and every pair of
 * values of any two factors (cipher, pairing, FEC, compression) appears.
 */
export function pairwiseCells(): Cell[] {
  return KCPTUNB_CIPHER_NAMES.flatMap((crypt, i) => {
    const fec = i % 2 === 0;
    const comp = (i >> 1) % 2 === 0;
    return [
      { client: 'ours', server: 'kcptun', crypt, fec, comp },
      { client: 'kcptun', server: 'ours', crypt, fec: !fec, comp: !comp },
    ] as Cell[];
  });
}

const MiB = 1 << 20;

/**
 * The flags one end of a cell gets, by implementation. Ours: kcptunB's
 * stock-compatible recipe (--streambuf-en=0, --keepalivems 20000) and the
 * short shard spellings; Debian kcptun: its own long spellings and nothing
 * kcptunB-only (it would refuse an unknown flag).
 */
export function cellFlags(impl: Impl, c: Cell): string[] {
  if (impl === 'ours') return ['--streambuf-en=0', '--keepalivems', '20000', ...(c.fec ? [] : ['--ds', '0', '--ps', '0'])];
  return c.fec ? [] : ['--datashard', '0', '--parityshard', '0'];
}

/** Run one cell; resolves with timings or rejects with the reason. */
export async function runCell(group: ProcessGroup, target: number, c: Cell): Promise<{ echoMs: number }> {
  const t = await startTunnel(group, c.client, c.server, target, { crypt: c.crypt, key: `matrix ${c.crypt}`, nocomp: !c.comp }, cellFlags(c.client, c), cellFlags(c.server, c));
  try {
    // both implementations log the shard counts they run with: each end must have taken its flags
    const shards = c.fec ? 'datashard: 10 parityshard: 3' : 'datashard: 0 parityshard: 0';
    // (printed at start-up, not necessarily before the port accepts: Debian's client was once seen
    // three lines short of it when the tunnel was ready)
    for (const p of [t.client, t.server]) await p.waitOutput(new RegExp(shards), 10_000, `${p.label} to say it runs with ${shards}`);
    const r = await echoTransfer(t.port, 4 * MiB, 60_000);
    await concurrentEchoes(t.port, 10, 128 * 1024, 60_000);
    return { echoMs: r.ms };
  } finally {
    await Promise.all([t.client.stop(), t.server.stop()]);
  }
}
