/**
 * The fault matrix: tunnels through the UDP impairment relay at 1%, 5% and 20% loss, 25 ms each
 * way, with reordering (10 ms jitter), 2% duplicates and 1% corrupted datagrams in every cell;
 * ours ↔ ours and both pairings with Debian kcptun. Each cell echoes 16 MiB on each of 4
 * concurrent streams, SHA-256 verified, and measures the longest stall: the longest time any
 * stream went without receiving a byte before it was complete (at most 10 s).
 */
import { echoTransfer, type Impl, type ProcessGroup } from '@kcptunb/testkit';
import { startUdpRelay, type DirectionStats, type Impairment } from '@kcptunb/testkit';

export const STREAMS = 4;
export const BYTES_PER_STREAM = 16 << 20;
export const MAX_STALL_MS = 10_000;
export const LOSSES = [0.01, 0.05, 0.2] as const;
export const PAIRINGS: ReadonlyArray<readonly [Impl, Impl]> = [
  ['ours', 'ours'],
  ['ours', 'kcptun'],
  ['kcptun', 'ours'],
];

export interface FaultCell {
  client: Impl;
  server: Impl;
  loss: number;
}

export function impairment(loss: number): Impairment {
  return { loss, delayMs: 25, jitterMs: 10, duplicate: 0.02, corrupt: 0.01 };
}

export function faultCellName(c: FaultCell): string {
  return `${c.client}→${c.server} loss ${Math.round(c.loss * 100)}%`;
}

export function allFaultCells(): FaultCell[] {
  return PAIRINGS.flatMap(([client, server]) => LOSSES.map((loss) => ({ client, server, loss })));
}

/** CI's share: every loss level once and every pairing once (a Latin square's diagonal). */
export function pairwiseFaultCells(): FaultCell[] {
  return PAIRINGS.map(([client, server], i) => ({ client, server, loss: LOSSES[LOSSES.length - 1 - i]! }));
}

/** Flags both ends understand; ours adds kcptun-compatible smux settings when the peer is stock. */
function flags(impl: Impl, mixed: boolean): string[] {
  const common = ['--key', 'fault matrix', '--mode', 'fast2', '--sndwnd', '1024', '--rcvwnd', '1024', '--quiet'];
  return impl === 'ours' && mixed ? [...common, '--streambuf-en=0', '--keepalivems', '20000'] : common;
}

export interface FaultResult {
  ms: number;
  maxStallMs: number;
  up: DirectionStats;
  down: DirectionStats;
}

export async function runFaultCell(group: ProcessGroup, target: number, cell: FaultCell, timeoutMs = 240_000): Promise<FaultResult> {
  const mixed = cell.client !== cell.server;
  const path = impairment(cell.loss);
  let relay: Awaited<ReturnType<typeof startUdpRelay>> | undefined;
  const t = await group.tunnel({
    client: cell.client,
    server: cell.server,
    targetPort: target,
    serverArgs: flags(cell.server, mixed),
    clientArgs: flags(cell.client, mixed),
    dialVia: async (udp) => {
      relay = await startUdpRelay({ target: { port: udp }, up: path, down: path, seed: 11 });
      group.onCleanup(() => relay!.close());
      return relay.port;
    },
  });
  try {
    const t0 = Date.now();
    const last = Array.from({ length: STREAMS }, () => t0);
    let maxStallMs = 0;
    const progress = (i: number) => () => {
      const now = Date.now();
      maxStallMs = Math.max(maxStallMs, now - last[i]!);
      last[i] = now;
    };
    const done = Array.from({ length: STREAMS }, () => false);
    // a stall that never ends shows as the time since the last byte when the cell fails
    const transfers = Array.from({ length: STREAMS }, (_, i) =>
      echoTransfer(t.port, BYTES_PER_STREAM, timeoutMs, { chunk: 64 * 1024, onData: progress(i) }).then(() => (done[i] = true)),
    );
    try {
      await Promise.all(transfers);
    } catch (e) {
      const now = Date.now();
      const open = last.map((at, i) => (done[i] ? 0 : now - at));
      throw new Error(`${(e as Error).message}; longest stall ${Math.max(maxStallMs, ...open)} ms`);
    }
    const s = relay!.stats;
    return { ms: Date.now() - t0, maxStallMs, up: s.up, down: s.down };
  } finally {
    await t.stop();
    await relay?.close();
  }
}
