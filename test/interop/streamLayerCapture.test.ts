/**
 * Real-peer test of the stream layer: Debian's
 * kcptun-client carries bytes the test writes into its TCP listener; its
 * datagrams go through OUR whole receive path —
 *
 *   PacketCrypt.open → FecDecoder → Kcp.input/recv → SnappyFrameReader → smux
 *
 * — and the test must find the client's stock NOP (sid 0), the SYN of stream
 * 3 and exactly the TCP bytes as PSH payload of stream 3 (docs/protocol.md §4.2, §4.3,
 * §4.5, §5, Appendix A.6). Nobody answers the client, so KCP retransmits:
 * duplicates the receiver must ignore. `--keepalive 1` makes stock smux send
 * its first NOP after 1 s instead of 10 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { createDatagramCipher, CRYPT_HEADER_SIZE, deriveKey, PacketCrypt } from '@kcptunb/crypt';
import { FecDecoder } from '@kcptunb/fec';
import { DEFAULT_KCP_CONFIG, Kcp, readU32 } from '@kcptunb/kcp';
import { CHUNK_TYPE_COMPRESSED, CHUNK_TYPE_STREAM_IDENTIFIER, CHUNK_TYPE_UNCOMPRESSED, SnappyFrameReader, type BlockDecoderChoice } from '@kcptunb/snappy';
import { CMD_NOP, CMD_PSH, CMD_SYN, COMMAND_NAMES, FrameDecoder, SmuxSession } from '@kcptunb/smux';
import { Snmp } from '@kcptunb/snmp';
import { captureKcptunClientUntil } from '../support/kcptunCaptureUntil.js';
import { toHex } from '../support/vectors.js';

const KEY = 'stream interop ' + randomBytes(4).toString('hex');
const kernels = loadKernels();
const STOCK_NOP = '0103000000000000'; // spec A.6
const SYN_3 = '0100000003000000'; // spec A.6
const SNAPPY_IDENTIFIER = 'ff060000734e61507059';

interface Frame {
  ver: number;
  cmd: number;
  sid: number;
  /** The frame's bytes exactly as they were in the stream. */
  raw: Uint8Array;
  payload: Uint8Array;
}

interface Decoded {
  datagrams: number;
  passedCrc: number;
  convs: Set<number>;
  kcpInErrors: number;
  /** The KCP byte stream (snappy framing unless --nocomp). */
  kcpStream: Uint8Array;
  /** Snappy chunk types in order (empty for --nocomp). */
  chunkTypes: number[];
  snappyError: Error | undefined;
  /** The smux byte stream. */
  smuxStream: Uint8Array;
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Our receive path over the captured datagrams, in arrival order. */
function decodeCapture(captured: readonly Buffer[], crypt: string, nocomp: boolean, blockDecoder: BlockDecoderChoice = 'auto'): Decoded {
  const snmp = new Snmp();
  const packets = new PacketCrypt(kernels, createDatagramCipher(kernels, crypt, deriveKey(KEY)), { snmp }, Math.max(1, captured.length));
  const batch = new DatagramBatch(kernels, Math.max(1, captured.length));
  const fec = new FecDecoder(kernels, 10, 3, snmp);
  const convs = new Set<number>();
  let kcp: Kcp | undefined;
  const now = 1000;
  try {
    for (const d of captured) batch.push(d);
    const ok = packets.open(batch);
    let passedCrc = 0;
    for (let i = 0; i < batch.count; i++) {
      if (!ok[i]) continue;
      passedCrc++;
      fec.input(batch.view(i).subarray(CRYPT_HEADER_SIZE), (kcpBytes, regular) => {
        if (kcpBytes.length < 24) return;
        const conv = readU32(kcpBytes, 0);
        convs.add(conv);
        // the receiver is a plain Kcp; its ACKs go nowhere
        kcp ??= new Kcp(conv, { ...DEFAULT_KCP_CONFIG, reserved: CRYPT_HEADER_SIZE + 8, rcvWnd: 1024 }, () => {}, snmp);
        kcp.input(kcpBytes, regular, now);
      });
    }
    const parts: Uint8Array[] = [];
    const buf = new Uint8Array(64 * 1024);
    for (let n = kcp?.recv(buf) ?? 0; n > 0; n = kcp!.recv(buf)) parts.push(buf.slice(0, n));
    const kcpStream = concat(parts);

    let smuxStream = kcpStream;
    let snappyError: Error | undefined;
    const chunkTypes: number[] = [];
    if (!nocomp) {
      // chunk types straight from the framing (type u8, length u24 LE; docs/protocol.md §5.2)
      for (let at = 0; at + 4 <= kcpStream.length; at += 4 + (kcpStream[at + 1]! | (kcpStream[at + 2]! << 8) | (kcpStream[at + 3]! << 16))) {
        chunkTypes.push(kcpStream[at]!);
      }
      const reader = new SnappyFrameReader({ blockDecoder });
      reader.push(kcpStream);
      const data: Uint8Array[] = [];
      for (let chunk = reader.read(); chunk !== undefined; chunk = reader.read()) data.push(chunk);
      snappyError = reader.error;
      smuxStream = concat(data);
    }
    return { datagrams: captured.length, passedCrc, convs, kcpInErrors: snmp.get('KCPInErrors'), kcpStream, chunkTypes, snappyError, smuxStream };
  } finally {
    batch.dispose();
    packets.dispose();
    fec.dispose();
  }
}

/** Every complete frame of an smux byte stream, with its raw bytes. */
function listFrames(stream: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  const decoder = new FrameDecoder((ver) => (ver === 1 ? null : new Error(`version ${ver}`)));
  decoder.push(stream, (cmd, sid, payload) => {
    frames.push({ ver: stream[at]!, cmd, sid, raw: stream.subarray(at, at + 8 + payload.length), payload });
    at += 8 + payload.length;
  });
  assert.equal(decoder.error, null, 'every frame header is version 1');
  return frames;
}

/** Payload of stream 3 and whether the NOP went by, for the capture's stop condition. */
function progress(captured: readonly Buffer[], crypt: string, nocomp: boolean): { psh3: number; nop: boolean } {
  try {
    const frames = listFrames(decodeCapture(captured, crypt, nocomp).smuxStream);
    return {
      psh3: frames.filter((f) => f.cmd === CMD_PSH && f.sid === 3).reduce((n, f) => n + f.payload.length, 0),
      nop: frames.some((f) => f.cmd === CMD_NOP),
    };
  } catch {
    return { psh3: 0, nop: false };
  }
}

const RUNS: Array<{ name: string; crypt: string; nocomp: boolean; payload: () => Uint8Array; compressible: boolean }> = [
  { name: '--crypt aes, snappy, 20 KiB random', crypt: 'aes', nocomp: false, payload: () => randomBytes(20 * 1024), compressible: false },
  {
    name: '--crypt aes, snappy, 20 KiB compressible text',
    crypt: 'aes',
    nocomp: false,
    payload: () => new Uint8Array(Buffer.from(Array.from({ length: 600 }, (_, i) => `line ${i}: ${randomBytes(6).toString('hex')} the quick brown fox\n`).join('').slice(0, 20 * 1024))),
    compressible: true,
  },
  { name: '--crypt none --nocomp, 20 KiB random', crypt: 'none', nocomp: true, payload: () => randomBytes(20 * 1024), compressible: false },
];

for (const run of RUNS) {
  test(`kcptun-client ${run.name} → our crypt, FEC, KCP, snappy and smux: NOP, SYN 3 and the exact TCP bytes as PSH of stream 3`, async (t) => {
    const tcpPayload = run.payload();
    const capture = await captureKcptunClientUntil({
      crypt: run.crypt,
      key: KEY,
      nocomp: run.nocomp,
      tcpPayload,
      extraArgs: ['--keepalive', '1'],
      until: (datagrams) => {
        const p = progress(datagrams, run.crypt, run.nocomp);
        return p.nop && p.psh3 >= tcpPayload.length;
      },
      timeoutMs: 10_000,
    });
    assert.ok(!capture.timedOut, `capture complete within 10 s (${capture.datagrams.length} datagrams); client said:\n${capture.clientOutput}`);
    const d = decodeCapture(capture.datagrams, run.crypt, run.nocomp);
    t.diagnostic(`${d.datagrams} datagrams, KCP stream ${d.kcpStream.length} B, smux stream ${d.smuxStream.length} B, snappy chunks ${d.chunkTypes.map((c) => c.toString(16)).join(' ')}`);

    // packet layer and KCP
    assert.equal(d.passedCrc, d.datagrams, 'every datagram passes our CRC');
    assert.equal(d.convs.size, 1, 'one conv');
    assert.equal(d.kcpInErrors, 0, 'our KCP accepted every segment');

    // snappy framing
    if (run.nocomp) {
      assert.equal(d.kcpStream[0], 1, '--nocomp: raw smux (version byte 1) directly on KCP');
      assert.equal(d.chunkTypes.length, 0);
    } else {
      assert.equal(toHex(d.kcpStream.subarray(0, 10)), SNAPPY_IDENTIFIER, 'the stream identifier first');
      assert.equal(d.snappyError, undefined, `snappy reader: ${d.snappyError?.message}`);
      assert.equal(d.chunkTypes[0], CHUNK_TYPE_STREAM_IDENTIFIER);
      const data = d.chunkTypes.slice(1);
      assert.ok(data.every((c) => c === CHUNK_TYPE_COMPRESSED || c === CHUNK_TYPE_UNCOMPRESSED), `only data chunks after it: ${data}`);
      if (run.compressible) {
        assert.ok(data.includes(CHUNK_TYPE_COMPRESSED), 'Go compressed the text: our block decoder ran on real snappy blocks');
        for (const choice of ['typescript', 'native'] as const) {
          assert.equal(toHex(decodeCapture(capture.datagrams, run.crypt, false, choice).smuxStream), toHex(d.smuxStream), `${choice} block decoder agrees`);
        }
      } else {
        // random data: the NOP/SYN are 8-byte chunks and PSH payloads do not compress by 1/8 (docs/protocol.md §5.3)
        assert.ok(!data.includes(CHUNK_TYPE_COMPRESSED), 'incompressible data travels uncompressed');
      }
    }

    // smux frames (FrameDecoder): SYN 3 first, PSH of stream 3, a stock NOP with sid 0
    const frames = listFrames(d.smuxStream);
    const names = frames.map((f) => `${COMMAND_NAMES[f.cmd]}(${f.sid},${f.payload.length})`);
    t.diagnostic(`frames: ${names.join(' ')}`);
    assert.equal(frames.length > 0 && frames.reduce((n, f) => n + f.raw.length, 0), d.smuxStream.length, 'the stream is whole frames');
    const nop = frames.find((f) => f.cmd === CMD_NOP);
    assert.ok(nop, 'the client sent its keepalive NOP');
    assert.equal(toHex(nop.raw), STOCK_NOP, 'stock NOP: sid 0, no payload (spec A.6)');
    assert.equal(frames[0]!.cmd, CMD_SYN, 'the session starts with the SYN (stock opens lazily, no NOP first)');
    assert.equal(toHex(frames[0]!.raw), SYN_3, 'SYN for stream 3 (spec A.6)');
    assert.ok(frames.every((f) => f.sid === 3 || f.cmd === CMD_NOP), `only stream 3 and NOPs: ${names.join(' ')}`);
    assert.ok(frames.every((f) => f.cmd <= CMD_NOP), 'stock v1 sends only cmds 0–3');
    const psh = concat(frames.filter((f) => f.cmd === CMD_PSH && f.sid === 3).map((f) => f.payload));
    assert.equal(psh.length, tcpPayload.length);
    assert.ok(Buffer.from(psh).equals(Buffer.from(tcpPayload)), 'PSH payload of stream 3 = the bytes written into the TCP connection');

    // our smux session in compat mode (--streambuf-en=0) accepts stream 3 and yields the same bytes
    const session = new SmuxSession({ role: 'server', now: 0, config: { enableStreamBuffer: false } });
    session.input(d.smuxStream, 5);
    const events = session.takeEvents();
    const accepted = events.filter((e) => e.type === 'stream-accepted');
    assert.equal(accepted.length, 1, 'one stream accepted');
    const stream = accepted[0]!.type === 'stream-accepted' ? accepted[0]!.stream : undefined;
    assert.equal(stream?.id, 3);
    assert.ok(events.some((e) => e.type === 'stream-readable' && e.stream.id === 3), 'stream 3 became readable');
    assert.ok(!events.some((e) => e.type === 'session-closed'), `session alive (${session.error?.message})`);
    assert.equal(session.framesReceived, frames.length);
    const read: Uint8Array[] = [];
    for (let b = stream!.read(); b !== null; b = stream!.read()) read.push(b);
    assert.ok(Buffer.from(concat(read)).equals(Buffer.from(tcpPayload)), 'stream 3 reads back the exact TCP bytes');
    const reply = listFrames(session.takeOutput() ?? new Uint8Array(0));
    assert.ok(reply.every((f) => f.cmd === CMD_NOP), `compat mode answers no NOP, only sends its own (docs/protocol.md §4.6.1): ${reply.map((f) => COMMAND_NAMES[f.cmd])}`);
    session.close();
  });
}
