/**
 * Known answers for stock smux v2 (docs/protocol.md §4.7, §4.8) from real traffic:
 * upstream kcptun-client ↔ kcptun-server 20260126 with their default `--smuxver 2`,
 * recorded at a relay between them (`--crypt none --nocomp`, FEC off, so each
 * direction's KCP payload is the raw smux byte stream). The test checks the v2
 * frames byte by byte (SYN, PSH, UPD with its consumed/window body), feeds each
 * direction into our SmuxSession in the stock v2 dialect, and checks that ours
 * encodes the same frames.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { CMD_PSH, CMD_SYN, CMD_UPD, decodeUpdBody, encodeUpdBody, FrameDecoder, SmuxSession, type SmuxConfig } from '@kcptunb/smux';
import { ProcessGroup, startTunnel, waitFor } from '@kcptunb/testkit';
import { parseSegments } from '../support/kcpSegments.js';
import { startRecordingRelay } from '../support/recordingRelay.js';
import { toHex } from '../support/vectors.js';

const group = new ProcessGroup();
after(() => group.cleanup());
const PAYLOAD_BYTES = 3 * 1024 * 1024;
const STOCK_V2: Partial<SmuxConfig> = { dialect: 'stock', version: 2, enableStreamBuffer: false, keepAliveIntervalMs: 10_000, keepAliveTimeoutMs: 30_000 };

/** The KCP byte stream of one direction: PUSH payloads by sn, duplicates dropped (crypt none: prefix 20, no FEC). */
function kcpStream(datagrams: readonly Buffer[]): Buffer {
  const bySn = new Map<number, Uint8Array>();
  for (const d of datagrams) for (const seg of parseSegments(d.subarray(20))) if (seg.cmd === 81 && !bySn.has(seg.sn)) bySn.set(seg.sn, seg.payload);
  const parts: Uint8Array[] = [];
  for (let sn = 0; bySn.has(sn); sn++) parts.push(bySn.get(sn)!);
  return Buffer.concat(parts);
}

interface Frame { ver: number; cmd: number; sid: number; raw: Buffer; payload: Uint8Array }

function frames(stream: Buffer): Frame[] {
  const out: Frame[] = [];
  let at = 0;
  const decoder = new FrameDecoder();
  decoder.push(stream, (cmd, sid, payload) => {
    out.push({ ver: stream[at]!, cmd, sid, raw: stream.subarray(at, at + 8 + payload.length), payload });
    at += 8 + payload.length;
  });
  return out;
}

test('upstream ↔ upstream with --smuxver 2: SYN/PSH/UPD bytes, window 2 MiB, consumed counts; our stock v2 session reads both directions and writes the same frames', async () => {
  const target = await group.echoServer();
  let relay: Awaited<ReturnType<typeof startRecordingRelay>> | undefined;
  const t = await startTunnel(group, 'upstream', 'upstream', target, { crypt: 'none', nocomp: true, key: 'v2 capture' }, ['--ds', '0', '--ps', '0'], ['--ds', '0', '--ps', '0'], {
    dialVia: async (port) => {
      relay = await startRecordingRelay(port);
      group.onCleanup(() => relay!.close());
      return relay.port;
    },
  });
  const data = randomBytes(PAYLOAD_BYTES);
  const echoed = await new Promise<Buffer>((resolve, reject) => {
    const s = connect(t.port, '127.0.0.1');
    const got: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => reject(new Error(`echo incomplete: ${n} bytes`)), 60_000);
    s.on('data', (d) => {
      got.push(d);
      n += d.length;
      if (n >= PAYLOAD_BYTES) {
        clearTimeout(timer);
        s.destroy();
        resolve(Buffer.concat(got));
      }
    });
    s.on('error', reject);
    s.write(data);
  });
  assert.ok(echoed.equals(data), 'echo intact');
  // the last UPDs follow the last reads; wait until the streams stop growing (three quiet polls
  // in a row: one 300 ms gap can be a descheduled process on a loaded machine)
  let last = -1;
  let quiet = 0;
  await waitFor(() => {
    const now = relay!.up.length + relay!.down.length;
    quiet = now === last ? quiet + 1 : 0;
    last = now;
    return quiet >= 3;
  }, 15_000, 'the relay to go quiet', { pollMs: 300 });

  const up = kcpStream(relay!.up);
  const down = kcpStream(relay!.down);
  const upFrames = frames(up);
  const downFrames = frames(down);
  assert.ok(upFrames.length > 0 && downFrames.length > 0);
  for (const f of [...upFrames, ...downFrames]) assert.equal(f.ver, 2, 'every frame is version 2');
  assert.equal(toHex(upFrames[0]!.raw), '0200000003000000', 'SYN of stream 3, v2 (the harness\'s readiness probe, or the echo itself when the client had not opened a stream for the probe)');
  // the echo runs on stream 5 after the probe's, else on 3
  const sid = upFrames.find((f) => f.cmd === CMD_PSH)!.sid;
  assert.ok(sid === 3 || sid === 5, `the echo's stream: ${sid}`);
  const sidHex = toHex(Buffer.from([sid, 0, 0, 0]));
  assert.equal(toHex(upFrames.find((f) => f.cmd === CMD_SYN && f.sid === sid)!.raw), `02000000${sidHex}`);
  for (const [name, fs, sent] of [['client→server', upFrames, data], ['server→client', downFrames, echoed]] as const) {
    const psh: Frame[] = fs.filter((f) => f.cmd === CMD_PSH && f.sid === sid);
    const got = Buffer.concat(psh.map((f) => f.payload));
    assert.ok(got.equals(sent), `${name}: PSH of stream ${sid} carry exactly the bytes (${got.length} of ${sent.length}; frames ${fs.length}, stream ${(fs === upFrames ? up : down).length})`);
    assert.ok(psh.every((f) => f.payload.length <= 8192), `${name}: PSH payloads ≤ upstream's --framesize 8192`);
    assert.equal(toHex(psh[0]!.raw.subarray(0, 2)), '0202');
    // the other direction's UPDs: 8-byte body, window 2 MiB, consumed strictly increasing up to everything
    const upd: Frame[] = (fs === upFrames ? downFrames : upFrames).filter((f) => f.cmd === CMD_UPD && f.sid === sid);
    assert.ok(upd.length >= 2, `${name}: the receiver sent UPDs (${upd.length})`);
    let prev = 0;
    for (const f of upd as Frame[]) {
      assert.equal(toHex(f.raw.subarray(0, 8)), `02040800${sidHex}`, `UPD header: v2, cmd 4, length 8, sid ${sid}`);
      const { consumed, window } = decodeUpdBody(f.payload);
      assert.equal(window, 2_097_152, 'window = upstream --streambuf default');
      assert.ok(consumed > prev, 'consumed grows');
      assert.equal(toHex(f.raw.subarray(8)), toHex(encodeUpdBody(consumed, window)), 'our encoder writes the same body');
      prev = consumed;
    }
    // a UPD after the first read and then whenever half the window (1 MiB) was read since the last
    assert.ok(prev <= sent.length && prev > sent.length - 1_048_576, `${name}: the last UPD (consumed ${prev}) is within half a window of the end`);
  }

  // our stock v2 server reads the client's direction: the echo's stream accepted, the exact bytes
  const server = new SmuxSession({ role: 'server', now: 0, config: STOCK_V2 });
  server.input(up, 1);
  assert.equal(server.error, null, `no protocol error: ${server.error?.message}`);
  const accepted = server.takeEvents().find((e) => e.type === 'stream-accepted' && e.stream.id === sid);
  assert.ok(accepted && accepted.type === 'stream-accepted');
  const parts: Uint8Array[] = [];
  for (let c = accepted.stream.read(); c; c = accepted.stream.read()) parts.push(c);
  assert.ok(Buffer.concat(parts).equals(data), 'our session delivered the client bytes');
  // reading sent UPDs in upstream's format: first after the first read, then every half window
  const ours = frames(Buffer.from(server.takeOutput()!)).filter((f) => f.cmd === CMD_UPD);
  assert.ok(ours.length >= 2, 'our receiver sent UPDs');
  for (const f of ours) {
    assert.equal(toHex(f.raw.subarray(0, 8)), `02040800${sidHex}`);
    assert.equal(decodeUpdBody(f.payload).window, 2_097_152);
  }

  // our client encodes SYN and PSH as upstream's did, and respects the initial 256 KiB window
  const client = new SmuxSession({ role: 'client', now: 0, config: { ...STOCK_V2, maxFrameSize: 8192 } });
  const s = client.openStream(0);
  s.write(data);
  const out = Buffer.from(client.takeOutput()!);
  const mine = frames(out);
  assert.equal(toHex(mine[0]!.raw), toHex(upFrames[0]!.raw), 'SYN identical');
  assert.equal(mine.filter((f) => f.cmd === CMD_SYN).length, 1);
  const sentBeforeUpd = mine.filter((f) => f.cmd === CMD_PSH).reduce((n, f) => n + f.payload.length, 0);
  assert.equal(sentBeforeUpd, 262_144, 'exactly the initial peer window goes out before any UPD');
  assert.equal(client.takeOutput(), null, 'then the stream waits for a UPD');
  // upstream's first UPD for the client's data opens the window further
  const firstUpd = downFrames.find((f) => f.cmd === CMD_UPD && f.sid === sid)!;
  const updFor3 = Buffer.from(firstUpd.raw);
  updFor3[4] = 3; // same body, addressed to our stream 3
  client.input(updFor3, 1);
  assert.equal(client.error, null);
  const more = client.takeOutput();
  assert.ok(more && more.length > 0, 'a UPD releases more data');
});
