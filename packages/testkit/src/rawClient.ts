/**
 * A fake kcptunb client built from the project's own cores, for soak and flood tests: one UDP
 * socket per KCP session, KcpSession (KCP → FEC → crypt) and snappy framing from the packages,
 * and the few smux v1 frames a short session needs written by hand (docs/protocol.md §4.1–§4.3).
 * Much faster than starting client processes: thousands of sessions a minute from one process.
 *
 * A short session opens `streams` streams one after another (SYN + PSH request, waits for the
 * echo, FIN), then stops sending and closes its socket: the server must notice the silence
 * (smux keepalive) and end the session itself.
 *
 * `record` (optional) sees every datagram the session sends, sealed, as the wire carries it:
 * replay tests resend them from other source addresses.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { createDatagramCipher, deriveKey } from '@kcptunb/crypt';
import { KcpSession } from '@kcptunb/session';
import { DEFAULT_KCP_CONFIG } from '@kcptunb/kcp';
import { SnappyFrameReader, SnappyFrameWriter } from '@kcptunb/snappy';
import { Rng } from './random.js';

export interface RawClientOptions {
  kernels: Kernels;
  /** The server's UDP port on `host` (127.0.0.1 by default). */
  port: number;
  host?: string;
  key: string;
  crypt?: string;
  /** Snappy framing (the server's default); false with a `--nocomp` server. */
  compression?: boolean;
  dataShards?: number;
  parityShards?: number;
  /** Streams opened one after another in the session. */
  streams?: number;
  /** Request bytes per stream (echoed back by the target). */
  requestBytes?: number;
  /** Bound on the whole session. */
  timeoutMs?: number;
  /** Sees every sealed datagram this session sends (a copy). */
  record?: (datagram: Buffer) => void;
}

const SMUX_VERSION = 1;
const CMD_SYN = 0;
const CMD_FIN = 1;
const CMD_PSH = 2;
const CMD_NOP = 3;
/** kcptunB's heartbeat reply (docs/protocol.md §4.6.2). */
const CMD_ACK = 4;
const SMUX_HEADER = 8;
/** How long a session waits for its last FIN to be acknowledged once every stream was echoed. */
const FIN_GRACE_MS = 2000;

function smuxFrame(cmd: number, sid: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const f = new Uint8Array(SMUX_HEADER + payload.length);
  const v = new DataView(f.buffer);
  f[0] = SMUX_VERSION;
  f[1] = cmd;
  v.setUint16(2, payload.length, true);
  v.setUint32(4, sid, true);
  f.set(payload, SMUX_HEADER);
  return f;
}

/** Bytes of PSH payload received per stream id, from a smux byte stream. */
class SmuxTally {
  private buf = new Uint8Array(0);
  readonly received = new Map<number, number>();
  /** Sids of heartbeat NOPs to answer. */
  readonly pings: number[] = [];
  push(bytes: Uint8Array): void {
    const merged = new Uint8Array(this.buf.length + bytes.length);
    merged.set(this.buf);
    merged.set(bytes, this.buf.length);
    let at = 0;
    while (merged.length - at >= SMUX_HEADER) {
      const v = new DataView(merged.buffer, merged.byteOffset + at);
      const len = v.getUint16(2, true);
      if (merged.length - at < SMUX_HEADER + len) break;
      if (merged[at + 1] === CMD_PSH) {
        const sid = v.getUint32(4, true);
        this.received.set(sid, (this.received.get(sid) ?? 0) + len);
      } else if (merged[at + 1] === CMD_NOP) this.pings.push(v.getUint32(4, true));
      at += SMUX_HEADER + len;
    }
    this.buf = merged.slice(at);
  }
}

export async function bindLoopbackUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Run one short session to completion (every stream echoed); rejects after `timeoutMs`. */
export async function shortSession(o: RawClientOptions): Promise<void> {
  const host = o.host ?? '127.0.0.1';
  const streams = o.streams ?? 1;
  const requestBytes = o.requestBytes ?? 64;
  const compression = o.compression ?? true;
  const socket = await bindLoopbackUdp();
  socket.on('error', () => {});
  const send = (batch: DatagramBatch) => {
    for (let i = 0; i < batch.count; i++) {
      const d = Buffer.from(batch.view(i));
      o.record?.(d);
      socket.send(d, o.port, host);
    }
  };
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const session = new KcpSession(o.kernels, {
    conv: randomBytes(4).readUInt32LE(0),
    kcp: DEFAULT_KCP_CONFIG,
    cipher: createDatagramCipher(o.kernels, o.crypt ?? 'aes', deriveKey(o.key)),
    dataShards: o.dataShards ?? 10,
    parityShards: o.parityShards ?? 3,
    onDatagrams: send,
  });
  const writer = compression ? new SnappyFrameWriter() : undefined;
  const reader = compression ? new SnappyFrameReader() : undefined;
  const inbox = new DatagramBatch(o.kernels, 64);
  const tally = new SmuxTally();
  const write = (frame: Uint8Array) => {
    if (writer) for (const piece of writer.write(frame)) session.send(piece);
    else session.send(frame);
  };
  const readAll = () => {
    const space = new Uint8Array(64 * 1024);
    while (session.readable > 0) {
      const n = session.read(space);
      if (reader) {
        reader.push(space.subarray(0, n));
        for (let chunk = reader.read(); chunk; chunk = reader.read()) tally.push(chunk);
      } else tally.push(space.subarray(0, n));
    }
  };
  socket.on('message', (msg: Buffer) => {
    if (msg.length > inbox.stride || session.isClosed) return;
    inbox.clear();
    inbox.push(msg);
    session.input(inbox, now());
    readAll();
    // answer the server's heartbeat as a kcptunB client does, so only silence ends the session
    if (tally.pings.length > 0) {
      for (const sid of tally.pings.splice(0)) write(smuxFrame(CMD_ACK, sid));
      session.flush(now());
    }
  });
  const payload = randomBytes(requestBytes);
  let sid = 3; // a client's first stream id (docs/protocol.md §4.3)
  let opened = 0;
  const finished = new Set<number>();
  let allEchoedAt: number | undefined;
  const timeoutMs = o.timeoutMs ?? 10_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const open = () => {
        write(smuxFrame(CMD_SYN, sid));
        write(smuxFrame(CMD_PSH, sid, payload));
        session.flush(now());
        opened++;
      };
      open();
      const timer = setInterval(() => {
        session.update(now());
        if ((tally.received.get(sid) ?? 0) >= requestBytes && !finished.has(sid)) {
          finished.add(sid);
          write(smuxFrame(CMD_FIN, sid));
          session.flush(now());
          if (opened < streams) {
            sid += 2;
            open();
          }
        }
        if (finished.size === streams) allEchoedAt ??= now();
        // the last FIN is acknowledged, or the server already ended the session (its keepalive)
        if (allEchoedAt !== undefined && (session.kcp.waitSnd === 0 || now() - allEchoedAt > FIN_GRACE_MS)) {
          clearInterval(timer);
          resolve();
        } else if (now() > timeoutMs) {
          clearInterval(timer);
          reject(new Error(`raw session: ${finished.size}/${streams} streams echoed, ${session.kcp.waitSnd} segments unacknowledged after ${timeoutMs} ms`));
        }
      }, 10);
    });
  } finally {
    session.close();
    inbox.dispose();
    socket.close();
  }
}

/**
 * Run `count` short sessions, at most `parallel` at once, starting at most `perSecond` a second;
 * `gate` is awaited before each session starts (a soak holds the server's live sessions at a
 * level with it). Resolves with how many failed.
 */
export async function shortSessions(count: number, parallel: number, perSecond: number, o: RawClientOptions, gate: () => Promise<void> = async () => {}): Promise<{ failed: number; firstError?: string }> {
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const t0 = Date.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const wait = t0 + (i * 1000) / perSecond - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await gate();
      try {
        await shortSession(o);
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
  return { failed, firstError };
}

/**
 * A replay flood: every `intervalMs`, each of `ports` fresh source ports on 127.0.0.1 sends the
 * next of `datagrams` (round-robin) to the server, until `stop()`. `sent()` counts them.
 */
export async function replayFlood(datagrams: readonly Buffer[], ports: number, serverPort: number, intervalMs = 100): Promise<{ stop: () => Promise<void>; sent: () => number }> {
  const sockets: Socket[] = [];
  for (let i = 0; i < ports; i++) {
    const s = await bindLoopbackUdp();
    s.on('error', () => {});
    s.on('message', () => {});
    sockets.push(s);
  }
  let sent = 0;
  let next = 0;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    for (const s of sockets) {
      s.send(datagrams[next++ % datagrams.length]!, serverPort, '127.0.0.1');
      sent++;
    }
  }, intervalMs);
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/**
 * Random datagrams (seeded, 64–1,400 bytes, never valid) from `ports` loopback ports at about
 * `perSec` in all, paced by a 10 ms tick; node:dgram, for CI-sized floods (bench/src/garbageFlood.ts
 * is the batched sender for bench rates).
 */
export async function garbageDgramFlood(perSec: number, ports: number, serverPort: number, seed = 5): Promise<{ stop: () => Promise<void>; sent: () => number }> {
  const rng = new Rng(seed);
  const datagrams = Array.from({ length: 64 }, () => Buffer.from(Array.from({ length: 64 + rng.int(1400 - 64) }, () => rng.int(256))));
  const sockets: Socket[] = [];
  for (let i = 0; i < ports; i++) {
    const s = await bindLoopbackUdp();
    s.on('error', () => {});
    sockets.push(s);
  }
  let sent = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    const due = Math.min(perSec, Math.floor(((Date.now() - t0) * perSec) / 1000) - sent);
    for (let k = 0; k < due; k++, sent++) sockets[sent % ports]!.send(datagrams[sent % datagrams.length]!, serverPort, '127.0.0.1');
  }, 10);
  return {
    sent: () => sent,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
