/**
 * Micro-benchmark: AES-256/128/192, Blowfish, CAST5 and Twofish in kcptun's CFB
 * (docs/protocol.md §1.4) on 1350-byte datagrams. Compares the batched WASM kernels (64 datagrams
 * per call, scalar and SIMD builds), node:crypto with one createCipheriv per datagram
 * (AES only: bf/cast5 need the legacy provider, twofish is not in OpenSSL) and the
 * naive TypeScript references. Median of 7 timed runs (bench/src/harness.ts).
 *
 * Run: node bench/dist/blockCipherKernels1.js
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CipherKind, DatagramBatch, loadKernels, type KernelVariant } from '@kcptunb/wasm';
import { Aes, Blowfish, Cast5, Twofish, cfbDecrypt, cfbEncrypt, KCP_CFB_IV, type BlockCipher } from '@kcptunb/reference';
import { markdownTable, measure, type BenchRow } from './harness.js';

const DATAGRAM = 1350;
const BATCH = 64;
const RUNS = 7;
const RUN_MS = 60;

interface CipherCase {
  name: string;
  kind: number;
  keyLength: number;
  reference: (key: Uint8Array) => BlockCipher;
  openssl?: string;
}

const CASES: CipherCase[] = [
  { name: 'aes', kind: CipherKind.AES, keyLength: 32, reference: (k) => new Aes(k), openssl: 'aes-256-cfb' },
  { name: 'aes-128', kind: CipherKind.AES, keyLength: 16, reference: (k) => new Aes(k), openssl: 'aes-128-cfb' },
  { name: 'aes-192', kind: CipherKind.AES, keyLength: 24, reference: (k) => new Aes(k), openssl: 'aes-192-cfb' },
  { name: 'blowfish', kind: CipherKind.BLOWFISH, keyLength: 32, reference: (k) => new Blowfish(k) },
  { name: 'cast5', kind: CipherKind.CAST5, keyLength: 16, reference: (k) => new Cast5(k) },
  { name: 'twofish', kind: CipherKind.TWOFISH, keyLength: 32, reference: (k) => new Twofish(k) },
];

/** `fn` processes `perCall` datagrams. */
function run(name: string, perCall: number, fn: () => void): BenchRow {
  return measure(name, fn, perCall, perCall * DATAGRAM, { runs: RUNS, runMs: RUN_MS });
}

function benchWasm(variant: KernelVariant, out: BenchRow[]): void {
  const k = loadKernels({ variant });
  const e = k.exports;
  const keyPtr = k.allocBytes(randomBytes(32));
  const ivPtr = k.allocBytes(KCP_CFB_IV);
  const batch = new DatagramBatch(k, BATCH);
  for (let i = 0; i < BATCH; i++) batch.push(randomBytes(DATAGRAM));
  for (const c of CASES) {
    const ctx = k.alloc(e.cipher_ctx_size(c.kind), 16);
    if (e.cipher_init(c.kind, ctx, keyPtr, c.keyLength) !== 0) throw new Error(`cipher_init ${c.name} failed`);
    out.push(run(`${c.name} wasm-${variant} encrypt ×${BATCH}`, BATCH, () => e.cfb_encrypt_batch(c.kind, ctx, ivPtr, batch.base, batch.stride, batch.lens, batch.count)));
    out.push(run(`${c.name} wasm-${variant} decrypt ×${BATCH}`, BATCH, () => e.cfb_decrypt_batch(c.kind, ctx, ivPtr, batch.base, batch.stride, batch.lens, batch.count)));
    k.free(ctx);
  }
  batch.dispose();
  k.free(keyPtr);
  k.free(ivPtr);
}

function benchNode(out: BenchRow[]): void {
  const packets = Array.from({ length: BATCH }, () => randomBytes(DATAGRAM));
  for (const c of CASES) {
    if (!c.openssl) continue;
    const key = randomBytes(c.keyLength);
    out.push(
      run(`${c.name} node:crypto encrypt, one context per datagram`, BATCH, () => {
        for (const p of packets) createCipheriv(c.openssl!, key, KCP_CFB_IV).update(p);
      }),
    );
  }
}

function benchReference(out: BenchRow[]): void {
  const packet = new Uint8Array(randomBytes(DATAGRAM));
  for (const c of CASES) {
    const cipher = c.reference(new Uint8Array(randomBytes(c.keyLength)));
    out.push(run(`${c.name} reference-ts encrypt`, 1, () => cfbEncrypt(cipher, KCP_CFB_IV, packet)));
    out.push(run(`${c.name} reference-ts decrypt`, 1, () => cfbDecrypt(cipher, KCP_CFB_IV, packet)));
  }
}

export function benchBlockCiphers1(): BenchRow[] {
  const out: BenchRow[] = [];
  benchWasm('scalar', out);
  benchWasm('simd', out);
  benchNode(out);
  benchReference(out);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(markdownTable(benchBlockCiphers1()));
