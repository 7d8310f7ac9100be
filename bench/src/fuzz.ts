/**
 * `npm run bench:fuzz`: every parser of network input and of configuration, fed
 * KCPTUNB_FUZZ_INPUTS (default 1,000,000) seeded inputs each — random bytes and mutations of
 * valid input — with zero throws allowed (configuration: zero throws other than ConfigError and
 * the layers' typed Invalid…Error, which the CLI turns into one line and exit code 2). The CI
 * tier runs the smaller fuzz tests in test/unit. Prints one line per parser; exit code 1 on any
 * throw. `KCPTUNB_SEED` replays a run. Whole `resolveConfig` runs (they derive the key with
 * PBKDF2 and verify every layer) get KCPTUNB_FUZZ_RESOLVE_INPUTS (default 5,000); the flag and
 * JSON parsers themselves get the full count.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { createDatagramCipher, deriveKey, PacketCrypt } from '@kcptunb/crypt';
import { FecDecoder, FecEncoder, kcpBytesOf } from '@kcptunb/fec';
import { applyMode, DEFAULT_KCP_CONFIG, encodeHeader, Kcp, CMD_PUSH, KCP_OVERHEAD } from '@kcptunb/kcp';
import { KcpSession } from '@kcptunb/session';
import { SmuxSession, encodeHeader as encodeSmuxHeader } from '@kcptunb/smux';
import { SnappyFrameReader, SnappyFrameWriter } from '@kcptunb/snappy';
import { Snmp } from '@kcptunb/snmp';
import { readFirstDatagram } from '@kcptunb/dataplane/shell';
import { coerce, ConfigError, defaultConfig, FastServerHandshake, flagsFor, fromJson, HttpProxyHandshake, HttpRequestRewriter, parseGoArgs, resolveConfig, setField, Socks5ClientHandshake, FLAGS } from '@kcptunb/control';
import { Rng, runSeed } from '@kcptunb/testkit';

const N = Number(process.env.KCPTUNB_FUZZ_INPUTS ?? 1_000_000);
/** Whole resolveConfig runs (key derivation and every layer's verification, ~5 ms each): fewer. */
const RESOLVE_N = Number(process.env.KCPTUNB_FUZZ_RESOLVE_INPUTS ?? 5_000);
const seed = runSeed('bench fuzz');
const rng = new Rng(seed);
const kernels = loadKernels();
const key = deriveKey('fuzz');

interface Outcome {
  name: string;
  inputs: number;
  throws: number;
  first?: string;
  ms: number;
}
const outcomes: Outcome[] = [];

/** Run `one(i)` N times; a throw is counted (the first one is kept for the report). */
function fuzz(name: string, one: (i: number) => void, count = N): void {
  const o: Outcome = { name, inputs: 0, throws: 0, ms: 0 };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    o.inputs++;
    try {
      one(i);
    } catch (e) {
      o.throws++;
      o.first ??= `input ${i}: ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`;
    }
  }
  o.ms = Math.round(performance.now() - t0);
  outcomes.push(o);
  console.log(`${name}: ${o.inputs} inputs, ${o.throws} throws, ${o.ms} ms${o.first ? ` — first: ${o.first}` : ''}`);
}

/** Random bytes, or a mutation of one of `valid`: bit flips, a cut, a splice of random bytes. */
function input(valid: readonly Uint8Array[], maxRandom: number): Uint8Array {
  const mode = rng.int(4);
  if (mode === 0 || valid.length === 0) return rng.fill(new Uint8Array(rng.int(maxRandom + 1)));
  let d = valid[rng.int(valid.length)]!.slice();
  if (d.length === 0) return d;
  const flips = 1 + rng.int(4);
  for (let f = 0; f < flips; f++) d[rng.int(d.length)]! ^= 1 << rng.int(8);
  if (mode === 2) d = d.subarray(0, rng.int(d.length + 1));
  if (mode === 3) {
    const at = rng.int(d.length);
    d.set(rng.fill(new Uint8Array(Math.min(8, d.length - at))), at);
  }
  return d;
}

// ---- the packet layer: crypt, FEC, KCP, first datagrams, the whole KcpSession --------------
const kcpConfig = applyMode({ ...DEFAULT_KCP_CONFIG, sndWnd: 256, rcvWnd: 256 }, 'fast2');
const segments: Uint8Array[] = [];
for (let sn = 0; sn < 64; sn++) {
  const len = rng.int(200);
  const b = new Uint8Array(KCP_OVERHEAD + len);
  encodeHeader(b, 0, 7, 81 + (sn % 4), 0, 128, sn * 10, sn, rng.int(5), len);
  segments.push(b);
}
// sealed datagrams of a real session (FEC 10/3) to mutate
const sealed: Uint8Array[] = [];
const producer = new KcpSession(kernels, { conv: 7, kcp: kcpConfig, cipher: createDatagramCipher(kernels, 'aes', key), dataShards: 10, parityShards: 3, onDatagrams: (b) => { for (let i = 0; i < b.count; i++) sealed.push(b.view(i).slice()); } });
for (let t = 0; t < 40; t++) producer.write(rng.fill(new Uint8Array(1 + rng.int(3000))), t * 10);
producer.close();

const batch = new DatagramBatch(kernels, 1);
const opener = new PacketCrypt(kernels, createDatagramCipher(kernels, 'aes', key), { snmp: new Snmp(), minLength: 20 + KCP_OVERHEAD }, 1);
fuzz('crypt: PacketCrypt.open (aes)', () => {
  batch.clear();
  batch.push(input(sealed, 1500));
  const ok = opener.open(batch);
  if (ok[0]) kcpBytesOf(opener.payload(batch.view(0)));
});

const plainFec: Uint8Array[] = [];
{
  const enc = new FecEncoder(kernels, 10, 3);
  const out = new DatagramBatch(kernels, 64);
  for (const s of segments.slice(0, 40)) {
    enc.encode(out, s);
    if (out.count > 48) {
      for (let i = 0; i < out.count; i++) plainFec.push(out.view(i).slice());
      out.clear();
    }
  }
  for (let i = 0; i < out.count; i++) plainFec.push(out.view(i).slice());
  out.dispose();
  enc.dispose();
}
const decoder = new FecDecoder(kernels, 10, 3, new Snmp());
fuzz('fec: FecDecoder.input', () => {
  decoder.input(input(plainFec, 1500), () => {});
});

fuzz('listener: readFirstDatagram', () => {
  readFirstDatagram(input([...plainFec, ...segments], 200));
});

let kcp = new Kcp(7, kcpConfig, () => {}, new Snmp());
fuzz('kcp: Kcp.input', (i) => {
  if (i % 10_000 === 0) kcp = new Kcp(7, kcpConfig, () => {}, new Snmp());
  kcp.input(input(segments, 300), rng.next() < 0.5, i);
  if (i % 16 === 0) kcp.flush(i);
});

let session = new KcpSession(kernels, { conv: 7, kcp: kcpConfig, cipher: createDatagramCipher(kernels, 'aes', key), dataShards: 10, parityShards: 3, onDatagrams: () => {} });
const readBuf = new Uint8Array(65536);
fuzz('session: KcpSession.input (crypt → FEC → reset check → KCP)', (i) => {
  if (i % 10_000 === 0) {
    session.close();
    session = new KcpSession(kernels, { conv: 7, kcp: kcpConfig, cipher: createDatagramCipher(kernels, 'aes', key), dataShards: 10, parityShards: 3, onDatagrams: () => {} });
  }
  batch.clear();
  batch.push(input(sealed, 1500));
  session.input(batch, i);
  while (session.readable > 0) session.read(readBuf);
  if (i % 16 === 0) session.update(i);
});
session.close();

// ---- the stream layer: smux, snappy --------------------------------------------------------
const frames: Uint8Array[] = [];
for (let f = 0; f < 64; f++) {
  const cmd = f % 5;
  const len = cmd === 2 ? rng.int(100) : 0;
  const b = new Uint8Array(8 + len);
  encodeSmuxHeader(b, 0, cmd, len, 1 + 2 * rng.int(4), 1);
  frames.push(b);
}
let smux = new SmuxSession({ role: 'server', now: 0 });
fuzz('smux: SmuxSession.input', (i) => {
  if (smux.closed || i % 1000 === 0) smux = new SmuxSession({ role: 'server', now: i, config: i % 2000 < 1000 ? {} : { dialect: 'stock', version: 2, enableStreamBuffer: false } });
  smux.input(input(frames, 200), i);
  for (const ev of smux.takeEvents()) if (ev.type === 'stream-readable') while (ev.stream.read()) {}
  smux.takeOutput();
});

const snappyValid: Uint8Array[] = [];
{
  const w = new SnappyFrameWriter();
  for (let k = 0; k < 32; k++) for (const piece of w.write(rng.next() < 0.5 ? rng.fill(new Uint8Array(rng.int(3000))) : new Uint8Array(rng.int(3000)))) snappyValid.push(piece.slice());
}
let snappy = new SnappyFrameReader();
fuzz('snappy: SnappyFrameReader', (i) => {
  if (snappy.error || i % 1000 === 0) snappy = new SnappyFrameReader();
  snappy.push(input(snappyValid, 300));
  while (snappy.read()) {}
});

// ---- proxy handshakes and the http rewriter ------------------------------------------------
const ascii = (s: string) => new TextEncoder().encode(s);
const proxyValid = [
  Uint8Array.of(5, 1, 0, 5, 1, 0, 3, 11, ...ascii('example.com'), 0, 80),
  Uint8Array.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 1, 187),
  ascii('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n'),
  ascii('GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\nProxy-Connection: keep-alive\r\n\r\n'),
  Uint8Array.of(0, 0, 0, 16, ...ascii('example.com:8080')),
];
fuzz('proxy: socks5, http and fast handshakes, http rewriter', () => {
  const bytes = input(proxyValid, 600);
  const cut = rng.int(bytes.length + 1);
  for (const hs of [new Socks5ClientHandshake(), new HttpProxyHandshake()]) {
    const a = hs.push(bytes.subarray(0, cut));
    if (a.kind === 'need-more') hs.push(bytes.subarray(cut));
  }
  const fast = new FastServerHandshake();
  if (fast.push(bytes.subarray(0, cut)).kind === 'need-more') fast.push(bytes.subarray(cut));
  const rw = new HttpRequestRewriter();
  rw.push(bytes.subarray(0, cut));
  rw.push(bytes.subarray(cut));
});

// ---- configuration: flags and the -c JSON file ---------------------------------------------
const typedConfigError = (e: unknown) => e instanceof ConfigError || (e instanceof Error && /^Invalid\w*Error$|^Unknown\w*Error$/.test(e.constructor.name));
const flagNames = FLAGS.map((f) => f.name);
const junkValues = ['', '0', '-1', '1', '65536', '9999999999999999999', 'true', 'false', 'x', ':', '[::1]:0', '127.0.0.1:0', 'aes', 'fast3', 'none', '1e3', '0x10', '\u0000', 'ü', ' 1', '--', '='];
const value = () => (rng.next() < 0.7 ? junkValues[rng.int(junkValues.length)]! : Buffer.from(rng.fill(new Uint8Array(rng.int(12)))).toString('latin1'));
const env = {};
const sides = ['client', 'server'] as const;
const randomArgv = (): string[] => {
  const argv: string[] = [];
  const n = rng.int(6);
  for (let k = 0; k < n; k++) {
    const name = rng.next() < 0.9 ? flagNames[rng.int(flagNames.length)]! : value();
    if (name === 'c') continue; // the file is the JSON fuzz's
    const dash = rng.next() < 0.5 ? '-' : '--';
    if (rng.next() < 0.5) argv.push(`${dash}${name}=${value()}`);
    else argv.push(`${dash}${name}`, value());
  }
  return argv;
};
fuzz('config: flags (parseGoArgs → coerce → setField)', () => {
  const side = sides[rng.int(2)]!;
  try {
    const parsed = parseGoArgs(randomArgv(), flagsFor(side));
    const config = defaultConfig(side);
    for (const f of parsed.flags) setField(config, f.spec, coerce(f.spec, f.value, `flag ${f.spelled}`));
  } catch (e) {
    if (!typedConfigError(e)) throw e;
  }
});

const jsonKeys = FLAGS.map((f) => f.json).filter((k): k is string => typeof k === 'string');
const jsonValue = (): unknown => [0, -1, 1, 1.5, 1e300, '', 'x', true, false, null, [], {}, ['a'], '127.0.0.1:0', 'fast3', 'aes'][rng.int(16)];
const jsonText = (): string => {
  if (rng.next() < 0.2) return Buffer.from(rng.fill(new Uint8Array(rng.int(64)))).toString('latin1');
  const o: Record<string, unknown> = {};
  const n = rng.int(6);
  for (let k = 0; k < n; k++) o[rng.next() < 0.9 ? jsonKeys[rng.int(jsonKeys.length)]! : value()] = jsonValue();
  const text = JSON.stringify(o);
  return rng.next() < 0.1 ? text.slice(0, rng.int(text.length + 1)) : text;
};
fuzz('config: -c JSON values (JSON.parse → fromJson → setField)', () => {
  const side = sides[rng.int(2)]!;
  let json: unknown;
  try {
    json = JSON.parse(jsonText());
  } catch {
    return; // resolveConfig turns this into a ConfigError naming the file
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return;
  const config = defaultConfig(side);
  try {
    for (const spec of flagsFor(side)) if (spec.json && Object.hasOwn(json, spec.json)) setField(config, spec, fromJson(spec, (json as Record<string, unknown>)[spec.json], 'fuzz.json'));
  } catch (e) {
    if (!typedConfigError(e)) throw e;
  }
});

fuzz('config: whole resolveConfig, flags', () => {
  try {
    resolveConfig(sides[rng.int(2)]!, randomArgv(), env);
  } catch (e) {
    if (!typedConfigError(e)) throw e;
  }
}, RESOLVE_N);

const dir = mkdtempSync(join(tmpdir(), 'kcptunb-fuzz-'));
const file = join(dir, 'config.json');
try {
  fuzz('config: whole resolveConfig, -c JSON file', () => {
    writeFileSync(file, jsonText());
    try {
      resolveConfig(sides[rng.int(2)]!, ['-c', file], env);
    } catch (e) {
      if (!typedConfigError(e)) throw e;
    }
  }, RESOLVE_N);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const failed = outcomes.filter((o) => o.throws > 0);
console.log(`fuzz (seed ${seed}): ${outcomes.length} parsers, ${outcomes.reduce((s, o) => s + o.inputs, 0)} inputs, ${failed.length === 0 ? 'zero throws' : `throws in ${failed.map((o) => o.name).join(', ')}`}`);
process.exit(failed.length === 0 ? 0 : 1);
