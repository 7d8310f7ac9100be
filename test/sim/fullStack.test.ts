/**
 * The whole tunnel stack end to end on the deterministic simulator, running the production
 * shells (StreamRelay → SmuxSession → SessionLink → rings → ShardSession: snappy → KCP → FEC
 * 10/3 → crypt) over a link with 5% loss, jitter (reordering), duplication and a little
 * corruption, and back. 100 streams carry 1 MiB in each direction; every byte of every stream is
 * SHA-256 verified; each client application ends its connection when done and every server
 * application must see the tunnel end its connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { loadKernels } from '@kcptunb/wasm';
import { deriveKey } from '@kcptunb/crypt';
import { CMD_ACK, CMD_EMP, CMD_FIN, CMD_FUL, CMD_NOP, CMD_PSH, CMD_SYN, COMMAND_NAMES, FrameDecoder, type SmuxConfig } from '@kcptunb/smux';
import { LossyLink, type LinkProfile } from '../support/lossyLink.js';
import { Rng } from '../support/random.js';
import { TunnelEnd, simSettings } from '../support/tunnelEnd.js';
import { runSimulation } from '../support/simulation.js';

const kernels = loadKernels();
const pass = deriveKey('full stack');
const MiB = 1 << 20;
const STREAMS = 100;
const PROFILE: LinkProfile = { loss: 0.05, delayMs: 20, jitterMs: 15, duplicate: 0.02, corrupt: 0.002 };

/**
 * A LossyLink that also counts reordering: a datagram delivered after one
 * sent later than it. Datagrams are told apart by their first 16 bytes (the
 * per-datagram random nonce, encrypted or not).
 */
class OrderTrackingLink extends LossyLink {
  reordered = 0;
  private sentIndex = 0;
  private highestDelivered = -1;
  private readonly indexOf = new Map<string, number>();

  override send(datagram: Uint8Array, now: number): void {
    this.indexOf.set(Buffer.from(datagram.buffer, datagram.byteOffset, 16).toString('latin1'), this.sentIndex++);
    super.send(datagram, now);
  }

  override receive(now: number): Uint8Array | undefined {
    const d = super.receive(now);
    if (d) {
      const key = Buffer.from(d.buffer, d.byteOffset, 16).toString('latin1');
      const index = this.indexOf.get(key);
      if (index !== undefined) {
        this.indexOf.delete(key); // a duplicate or corrupted nonce is not counted
        if (index < this.highestDelivered) this.reordered++;
        else this.highestDelivered = index;
      }
    }
    return d;
  }
}

/** smux frames by command in one direction, decoded from the bytes smux received. */
function commandCounter(): { counts: number[]; tap: (bytes: Uint8Array) => void; error: () => Error | null } {
  const counts = new Array<number>(COMMAND_NAMES.length).fill(0);
  const decoder = new FrameDecoder();
  const onFrame = (cmd: number) => {
    counts[cmd] = (counts[cmd] ?? 0) + 1;
  };
  return { counts, tap: (bytes) => decoder.push(bytes, onFrame), error: () => decoder.error };
}

interface RunSpec {
  crypt: string;
  compress: boolean;
  smux: Partial<SmuxConfig>;
  bytesPerStream: number;
  seed: number;
  /** The server applications' read rate, all streams together (bytes per virtual ms); default unthrottled. */
  serverReadBytesPerMs?: number;
}

function runFullStack(spec: RunSpec) {
  const rng = new Rng(spec.seed);
  const c2s = new OrderTrackingLink(PROFILE, rng);
  const s2c = new OrderTrackingLink(PROFILE, rng);
  const settings = simSettings({ crypt: spec.crypt, key: pass, compress: spec.compress });
  const toServer = commandCounter();
  const toClient = commandCounter();
  const common = { kernels, conv: 0x5eed_f00d, settings, smux: spec.smux };
  const client = new TunnelEnd({
    ...common,
    role: 'client',
    link: c2s,
    streamsToOpen: STREAMS,
    app: { bytesPerStream: spec.bytesPerStream, seed: spec.seed + 1, closeWhenDone: true },
    onSmuxInput: toClient.tap,
  });
  const server = new TunnelEnd({
    ...common,
    role: 'server',
    link: s2c,
    app: { bytesPerStream: spec.bytesPerStream, seed: spec.seed + 2, readBytesPerMs: spec.serverReadBytesPerMs && spec.serverReadBytesPerMs / STREAMS },
    onSmuxInput: toServer.tap,
  });
  const t0 = performance.now();
  const result = runSimulation(client, server, c2s, s2c, {
    // every server application read everything and saw its connection end (the client's FIN), and the server's FINs back have arrived
    done: () => (server.endedCount === STREAMS && server.transferComplete && toClient.counts[CMD_FIN] === STREAMS) || client.smuxEnd !== undefined || server.smuxEnd !== undefined,
    maxVirtualMs: 600_000,
    maxSteps: 2_000_000,
  });
  const wallMs = performance.now() - t0;
  return { client, server, c2s, s2c, toServer, toClient, result, wallMs };
}

function assertEveryByte(run: ReturnType<typeof runFullStack>, bytesPerStream: number): void {
  const { client, server, result } = run;
  assert.equal(client.smuxEnd, undefined, `client smux ended: ${client.smuxEnd?.message}`);
  assert.equal(server.smuxEnd, undefined, `server smux ended: ${server.smuxEnd?.message}`);
  assert.equal(client.shard.closed, false, `client shard session closed: ${client.shard.closeReason}`);
  assert.equal(server.shard.closed, false, `server shard session closed: ${server.shard.closeReason}`);
  assert.ok(result.finished, `finished in bounds (virtual ${result.virtualMs} ms, ${result.steps} steps, server connections ended ${server.endedCount}/${STREAMS})`);
  assert.equal(client.apps.size, STREAMS);
  assert.equal(server.apps.size, STREAMS, 'the server accepted every stream');
  for (const [id, mine] of client.apps) {
    assert.equal(id % 2, 1, 'client stream ids are odd (docs/protocol.md §4.3)');
    const theirs = server.apps.get(id);
    assert.ok(theirs, `stream ${id} reached the server`);
    assert.equal(mine.written, bytesPerStream);
    assert.equal(theirs.written, bytesPerStream);
    assert.equal(theirs.received, bytesPerStream, `stream ${id}: client→server byte count`);
    assert.equal(mine.received, bytesPerStream, `stream ${id}: server→client byte count`);
    assert.equal(theirs.receivedDigest(), mine.sentDigest(), `stream ${id}: client→server SHA-256`);
    assert.equal(mine.receivedDigest(), theirs.sentDigest(), `stream ${id}: server→client SHA-256`);
    assert.ok(mine.closedByUs && theirs.endedByTunnel, `stream ${id}: the client's end reached the server application`);
  }
  assert.equal(client.smux.streamCount, 0, 'every client stream closed');
  assert.equal(server.smux.streamCount, 0, 'every server stream closed itself on EOF');
}

function assertHostileLink(run: ReturnType<typeof runFullStack>): void {
  const { client, server, c2s, s2c } = run;
  for (const [name, link] of [['c→s', c2s], ['s→c', s2c]] as const) {
    assert.ok(link.stats.dropped > 0.03 * link.stats.sent, `${name}: ~5% dropped (${link.stats.dropped}/${link.stats.sent})`);
    assert.ok(link.stats.duplicated > 0, `${name}: duplicated`);
    assert.ok(link.reordered > 0, `${name}: reordered`);
  }
  for (const [name, end, inbound] of [['client', client, s2c], ['server', server, c2s]] as const) {
    const snmp = end.snmp;
    assert.ok(snmp.get('InCsumErrors') <= inbound.stats.corrupted, `${name}: CRC failures only for corrupted datagrams (${snmp.get('InCsumErrors')} ≤ ${inbound.stats.corrupted})`);
    assert.ok(snmp.get('FECRecovered') > 0, `${name}: FEC recovered lost shards`);
    assert.ok(snmp.get('RetransSegs') > 0, `${name}: KCP retransmitted`);
    assert.ok(snmp.get('InCsumErrors') > 0, `${name}: corrupted datagrams were caught by the CRC`);
  }
}

function pausesOf(end: TunnelEnd): number {
  let n = 0;
  for (const app of end.apps.values()) n += app.pauses;
  return n;
}

function report(t: { diagnostic(msg: string): void }, run: ReturnType<typeof runFullStack>, bytesPerStream: number): void {
  const { client, server, result, wallMs } = run;
  const total = 2 * STREAMS * bytesPerStream;
  t.diagnostic(
    `wall ${(wallMs / 1000).toFixed(1)} s, virtual ${(result.virtualMs / 1000).toFixed(1)} s, ${result.steps} steps; ` +
      `${(total / 1e6 / (wallMs / 1000)).toFixed(1)} MB/s wall; ` +
      `client→server smux ${client.smux.bytesSent} B → KCP ${client.snmp.get('BytesSent')} B; ` +
      `server→client smux ${server.smux.bytesSent} B → KCP ${server.snmp.get('BytesSent')} B; ` +
      `application writes paused ${pausesOf(client)}/${pausesOf(server)}, input paused ${client.stats.inputPaused}/${server.stats.inputPaused}; ` +
      `reordered ${run.c2s.reordered}/${run.s2c.reordered}`,
  );
}

test(`full stack, --crypt aes, FEC 10/3, snappy, smux (kcptunB mode): ${STREAMS} streams × 1 MiB each way at 5% loss with reordering and duplication`, (t) => {
  const run = runFullStack({ crypt: 'aes', compress: true, smux: {}, bytesPerStream: MiB, seed: 31 });
  t.after(() => [run.client, run.server].forEach((end) => end.dispose()));
  report(t, run, MiB);
  assertEveryByte(run, MiB);
  assertHostileLink(run);
  const { client, server, toServer, toClient } = run;
  // snappy really compressed: a quarter of the writes are repetitive (docs/protocol.md §5.3 rule: saves > 1/8)
  assert.ok(client.snmp.get('BytesSent') < 0.9 * client.smux.bytesSent, 'client→server compressed');
  assert.ok(server.snmp.get('BytesSent') < 0.9 * server.smux.bytesSent, 'server→client compressed');
  // what crossed the wire, decoded from each receiver's smux input
  assert.equal(toServer.error(), null);
  assert.equal(toClient.error(), null);
  assert.equal(toServer.counts[CMD_SYN], STREAMS, 'one SYN per stream');
  assert.equal(toServer.counts[CMD_FIN], STREAMS, 'one FIN per client stream');
  assert.equal(toClient.counts[CMD_FIN], STREAMS, 'one FIN back per stream');
  assert.ok(toServer.counts[CMD_PSH]! >= (STREAMS * MiB) / 32767, 'PSH frames ≤ maxframe');
  assert.ok(toServer.counts[CMD_NOP]! >= 1 && toClient.counts[CMD_ACK]! >= 1, 'heartbeat NOP answered by ACK (docs/protocol.md §4.6.2)');
  assert.ok(toClient.counts[CMD_NOP]! >= 1 && toServer.counts[CMD_ACK]! >= 1, 'and the other way');
  assert.equal(server.smux.discardedBytes, 0, 'no PSH arrived for an unknown or closed stream');
});

test(`full stack, --crypt aes --nocomp --streambuf-en=0 (stock-compatible smux), slow server reader: ${STREAMS} streams × 1 MiB each way at 5% loss`, (t) => {
  const smux: Partial<SmuxConfig> = { enableStreamBuffer: false, maxReceiveBuffer: 1 * MiB };
  const run = runFullStack({ crypt: 'aes', compress: false, smux, bytesPerStream: MiB, seed: 47, serverReadBytesPerMs: 4_000 });
  t.after(() => [run.client, run.server].forEach((end) => end.dispose()));
  report(t, run, MiB);
  assertEveryByte(run, MiB);
  assertHostileLink(run);
  const { client, server, toServer, toClient } = run;
  // no snappy layer: KCP carries exactly the smux bytes
  assert.equal(client.snmp.get('BytesSent'), client.smux.bytesSent);
  assert.equal(server.snmp.get('BytesSent'), server.smux.bytesSent);
  // the stock-compatible wire: only SYN/FIN/PSH/NOP (docs/protocol.md §4.6.1)
  for (const counts of [toServer.counts, toClient.counts]) {
    assert.equal((counts[CMD_ACK] ?? 0) + (counts[CMD_FUL] ?? 0) + (counts[CMD_EMP] ?? 0), 0, `no cmd 4–6 (${counts.join(',')})`);
    assert.ok(counts[CMD_NOP]! >= 1, 'keepalive NOPs');
  }
  assert.equal(toServer.counts[CMD_SYN], STREAMS);
  // back-pressure reached the ring: the slow reader's session budget (1 MiB) filled and the ring from the shard was left unread
  assert.ok(server.stats.inputPaused > 0, 'the server stopped draining the ring while its smux budget was used up');
  assert.ok(server.stats.maxBufferedBytes >= MiB, 'the budget did fill');
  // the link hands smux whole ring records (≤ 64 KiB) while it has budget, and a frame cut by the
  // previous record completes in the next: the budget is overshot by at most one record and one frame
  const bound = MiB + 64 * 1024 + 32767 + 8;
  assert.ok(server.stats.maxBufferedBytes <= bound, `and was overshot by at most one ring record and one frame (${server.stats.maxBufferedBytes} ≤ ${bound})`);
});

test('full stack on a clean, fast link: bursts of hundreds of datagrams per virtual ms reach the shard session as one batch', (t) => {
  // no loss and no jitter: a window's worth of datagrams arrives in the same millisecond,
  // so the shard session decrypts batches larger than its inbox in one run
  const rng = new Rng(5);
  const link = () => new LossyLink({ delayMs: 20 }, rng);
  const c2s = link();
  const s2c = link();
  const settings = simSettings({ crypt: 'aes', key: pass, compress: true });
  const streams = 8;
  const common = { kernels, conv: 9, settings };
  const client = new TunnelEnd({ ...common, role: 'client', link: c2s, streamsToOpen: streams, app: { bytesPerStream: MiB, seed: 1 } });
  const server = new TunnelEnd({ ...common, role: 'server', link: s2c, app: { bytesPerStream: MiB, seed: 2 } });
  let largestBurst = 0;
  const arrivals = new Map<number, number>();
  const inner = server.input.bind(server);
  server.input = (d, now) => {
    const n = (arrivals.get(now) ?? 0) + 1;
    arrivals.set(now, n);
    largestBurst = Math.max(largestBurst, n);
    inner(d, now);
  };
  const r = runSimulation(client, server, c2s, s2c, {
    done: () => (server.apps.size === streams && client.transferComplete && server.transferComplete) || client.smuxEnd !== undefined,
    maxVirtualMs: 60_000,
  });
  t.diagnostic(`virtual ${r.virtualMs} ms, ${r.steps} steps, largest burst ${largestBurst} datagrams in one ms`);
  assert.ok(r.finished);
  assert.ok(largestBurst > 256, `bursts bigger than the shard session's inbox (${largestBurst})`);
  for (const [id, mine] of client.apps) {
    assert.equal(server.apps.get(id)!.receivedDigest(), mine.sentDigest());
    assert.equal(mine.receivedDigest(), server.apps.get(id)!.sentDigest());
  }
  assert.equal(server.snmp.get('InCsumErrors') + server.snmp.get('InErrs'), 0);
  client.dispose();
  server.dispose();
});
