/**
 * The AES-NI addon's edges: bad arguments throw (RangeError for a value out of range, TypeError
 * for a wrong type) before any byte changes; kernel memory growing between calls; a detached view;
 * engine selection in crypt; and the fallback when the addon is disabled or was never built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import { createDatagramCipher, deriveKey, UnknownCipherError } from '@kcptunb/crypt';
import { aesImplementation, aesniAddon, announceAes, nativeAes, type AesniAddon } from '@kcptunb/aesni';
import { REPO_ROOT, toHex } from '../support/vectors.js';

const kernels = loadKernels();
const engine = nativeAes();
const addon = aesniAddon().addon as AesniAddon;
const needsEngine = { skip: engine ? false : `no AES-NI engine here (${aesImplementation().reason})` };
const PASS = deriveKey('aesni arguments');
const IV = new Uint8Array(16).fill(7);

/** A plain-memory batch: `count` slots of `stride` bytes at `base`, lengths at lens[lensIndex…]. */
function plainBatch(count: number, stride: number, len: number, base = 32, lensIndex = 2) {
  const mem = Uint8Array.from({ length: base + count * stride }, (_, i) => (i * 31 + 5) & 0xff);
  const lens = new Uint32Array(lensIndex + count).fill(len, lensIndex);
  return { mem, base, stride, lens, lensIndex, count };
}

test('bad arguments throw before touching memory; content never throws', needsEngine, () => {
  const schedule = addon.expandKey(PASS.subarray(0, 16));
  const b = plainBatch(4, 64, 40);
  const before = b.mem.slice();
  type Args = Parameters<AesniAddon['cfbEncryptBatch']>;
  const good: Args = [schedule, 10, IV, b.mem, b.base, b.stride, b.lens, b.lensIndex, b.count];
  const longLast = b.lens.slice();
  longLast[b.lensIndex + 3] = 65; // the last slot claims more than its stride
  const cases: Array<[string, (a: Args) => void, typeof RangeError | typeof TypeError]> = [
    ['rounds 11', (a) => (a[1] = 11), RangeError],
    ['rounds 14 with a 128-bit schedule cut short', (a) => ((a[1] = 14), (a[0] = schedule.subarray(0, 176))), RangeError],
    ['IV of 15 bytes', (a) => (a[2] = IV.subarray(0, 15)), RangeError],
    ['slots past the memory', (a) => (a[4] = b.base + 1), RangeError],
    ['stride 0', (a) => (a[5] = 0), RangeError],
    ['lengths past their array', (a) => (a[7] = b.lensIndex + 1), RangeError],
    ['count past the memory', (a) => (a[8] = b.count + 1), RangeError],
    ['a length over the stride (checked before slot 0 is touched)', (a) => (a[6] = longLast), RangeError],
    ['negative base', (a) => (a[4] = -1), RangeError],
    ['fractional stride', (a) => (a[5] = 64.5), RangeError],
    ['lens as bytes', (a) => (a[6] = new Uint8Array(32) as unknown as Uint32Array), TypeError],
    ['mem as a plain array', (a) => (a[3] = [] as unknown as Uint8Array), TypeError],
    ['count as a string', (a) => (a[8] = '4' as unknown as number), TypeError],
  ];
  for (const op of ['cfbEncryptBatch', 'cfbDecryptBatch'] as const) {
    for (const [what, edit, type] of cases) {
      const args = [...good] as Args;
      edit(args);
      assert.throws(() => addon[op](...args), type, `${op}: ${what}`);
      assert.deepEqual(b.mem, before, `${op}: ${what} left memory untouched`);
    }
    assert.throws(() => (addon[op] as (...a: unknown[]) => void)(schedule, 10, IV), TypeError, `${op}: too few arguments`);
  }
  for (const n of [0, 15, 17, 31, 33]) assert.throws(() => addon.expandKey(new Uint8Array(n)), RangeError, `${n}-byte key`);
  assert.throws(() => addon.expandKey('key' as unknown as Uint8Array), TypeError);
  // the same arguments, well formed, work — also with count 0 and with zero-length datagrams
  addon.cfbEncryptBatch(...good);
  assert.notDeepEqual(b.mem, before);
  addon.cfbDecryptBatch(...good);
  assert.deepEqual(b.mem, before);
  addon.cfbEncryptBatch(schedule, 10, IV, new Uint8Array(0), 0, 1, new Uint32Array(0), 0, 0);
  const empty = plainBatch(3, 16, 0);
  const emptyBefore = empty.mem.slice();
  addon.cfbEncryptBatch(schedule, 10, IV, empty.mem, empty.base, empty.stride, empty.lens, empty.lensIndex, empty.count);
  assert.deepEqual(empty.mem, emptyBefore);
});

test('only the slots change: bytes between and around datagrams are kept (both directions)', needsEngine, () => {
  const schedule = addon.expandKey(PASS);
  for (const len of [1, 15, 16, 17, 127, 128, 129, 200]) {
    const b = plainBatch(11, 208, len, 48, 0);
    b.lens.forEach((_, i) => (b.lens[i] = Math.max(0, len - i))); // ragged lengths: lanes finish apart
    const before = b.mem.slice();
    for (const op of ['cfbEncryptBatch', 'cfbDecryptBatch'] as const) {
      addon[op](schedule, 14, IV, b.mem, b.base, b.stride, b.lens, b.lensIndex, b.count);
      for (let i = 0; i < b.mem.length; i++) {
        const rel = i - b.base;
        const slot = Math.floor(rel / b.stride);
        const inside = rel >= 0 && slot < b.count && rel % b.stride < b.lens[slot]!;
        if (!inside) assert.equal(b.mem[i], before[i], `${op} len ${len}: byte ${i} outside the datagrams changed`);
      }
      b.mem.set(before);
    }
  }
});

test('kernel memory growing between calls: the cipher fetches the memory anew; a detached view is a RangeError', needsEngine, () => {
  const k = loadKernels();
  const cipher = createDatagramCipher(k, 'aes-128', PASS, { nativeAes: engine });
  const batch = new DatagramBatch(k, 8);
  const plain = Array.from({ length: 8 }, (_, i) => Uint8Array.from({ length: 100 + i * 150 }, (_, j) => (i + j) & 0xff));
  for (const d of plain) batch.push(d);
  const stale = batch.memoryBytes();
  cipher.encrypt(batch);
  const sealed = Array.from({ length: 8 }, (_, i) => toHex(batch.view(i)));
  const pages = stale.length;
  k.alloc(4 * 1024 * 1024, 16); // grows linear memory: `stale` is detached now
  assert.ok(batch.memoryBytes().length > pages && stale.length === 0, 'memory grew and detached the old view');
  cipher.decrypt(batch);
  plain.forEach((d, i) => assert.deepEqual(batch.view(i), d, `datagram ${i} after growth`));
  cipher.encrypt(batch);
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => toHex(batch.view(i))), sealed);
  const schedule = addon.expandKey(PASS.subarray(0, 16));
  assert.throws(() => addon.cfbDecryptBatch(schedule, 10, IV, stale, batch.base, batch.stride, batch.memoryWords(), batch.lens >>> 2, batch.count), RangeError);
  batch.dispose();
});

test('engine selection: auto takes the injected engine for AES only; native needs one', () => {
  const fake = { name: 'fake-aes', expandKey: (k: Uint8Array) => k.slice(), cfbEncryptBatch() {}, cfbDecryptBatch() {} };
  for (const name of ['aes', 'aes-128', 'aes-192']) {
    assert.equal(createDatagramCipher(kernels, name, PASS, { nativeAes: fake }).engine, 'fake-aes', name);
    assert.equal(createDatagramCipher(kernels, name, PASS, { nativeAes: fake, engine: 'node' }).engine, 'node:crypto', `${name} engine node`);
    assert.equal(createDatagramCipher(kernels, name, PASS).engine, 'node:crypto', `${name} without an engine`);
    assert.throws(() => createDatagramCipher(kernels, name, PASS, { engine: 'native' }), UnknownCipherError);
  }
  for (const name of ['sm4', '3des', 'salsa20']) {
    assert.notEqual(createDatagramCipher(kernels, name, PASS, { nativeAes: fake }).engine, 'fake-aes', name);
  }
  assert.throws(() => createDatagramCipher(kernels, 'sm4', PASS, { engine: 'native', nativeAes: fake }), UnknownCipherError);
  const lines: string[] = [];
  announceAes((l) => lines.push(l));
  announceAes((l) => lines.push(l));
  assert.equal(lines.length, 1, 'announced once per thread');
  assert.match(lines[0]!, engine ? /^aes: AES-NI addon/ : /^aes: node:crypto \(.+\)$/);
});

/** Runs `code` (an ES module) in a child node; returns its stdout. */
function child(code: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('fallback: KCPTUNB_AES=node, and a package whose native build is missing, both report node:crypto with the reason', () => {
  const probe = "import { aesImplementation, nativeAes, announceAes } from '%s'; announceAes(console.log); console.log(JSON.stringify({ i: aesImplementation(), native: nativeAes() !== undefined }));";
  const forced = child(probe.replace('%s', '@kcptunb/aesni'), { KCPTUNB_AES: 'node' }, REPO_ROOT).split('\n');
  assert.equal(forced[0], 'aes: node:crypto (KCPTUNB_AES=node)');
  assert.deepEqual(JSON.parse(forced[1]!), { i: { kind: 'node:crypto', reason: 'KCPTUNB_AES=node' }, native: false });
  // the compiled package without build/ (no compiler, no prebuild): it loads and falls back
  const dir = mkdtempSync(join(tmpdir(), 'kcptunb-aesni-'));
  try {
    cpSync(join(REPO_ROOT, 'packages/aesni/dist'), join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    // its one dependency, the addon loader, as installed (no prebuilds/ and no build/ in the copy)
    mkdirSync(join(dir, 'node_modules', '@kcptunb'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'packages/native'), join(dir, 'node_modules', '@kcptunb', 'native'));
    const out = child(probe.replace('%s', './dist/index.js'), { KCPTUNB_AES: '' }, dir).split('\n');
    const platformReason = process.platform === 'linux' ? /^native addon aesni not loadable: / : /Linux only/;
    assert.match(out[0]!, /^aes: node:crypto \(/);
    const { i, native } = JSON.parse(out[1]!) as { i: { kind: string; reason: string }; native: boolean };
    assert.equal(i.kind, 'node:crypto');
    assert.match(i.reason, platformReason);
    assert.equal(native, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
