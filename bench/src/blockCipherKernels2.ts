/**
 * Micro-benchmark: TEA, XTEA, 3DES, SM4 (CFB, spec §1.4) and salsa20 (spec §1.5) on
 * 1350-byte datagrams. Compares the batched WASM kernels (64 datagrams per call, both
 * builds), node:crypto with one createCipheriv per datagram (3des, sm4: what a per-packet
 * OpenSSL path costs) and the naive TypeScript references. Median of 7 timed runs.
 *
 * Run: node bench/dist/blockCipherKernels2.js
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CipherKind, DatagramBatch, loadKernels, type Kernels, type KernelVariant } from '@kcptunb/wasm';
import { cfbDecrypt, cfbEncrypt, KCP_CFB_IV, salsa20Xor, Sm4, Tea, TripleDes, Xtea, type BlockCipher } from '@kcptunb/reference';

export interface BenchResult {
  name: string;
  nsPerDatagram: number;
  mbPerSec: number;
}

const DATAGRAM = 1350;
const BATCH = 64;
const RUNS = 7;
/** Each timed run repeats the operation until at least this long has passed. */
const MIN_RUN_NS = 30_000_000;

/** Median over RUNS of the time per datagram; `op` processes `perCall` datagrams. */
function measure(name: string, perCall: number, op: () => void): BenchResult {
  const warmUntil = process.hrtime.bigint() + 50_000_000n;
  while (process.hrtime.bigint() < warmUntil) op();
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      op();
      calls++;
      elapsed = Number(process.hrtime.bigint() - start);
    } while (elapsed < MIN_RUN_NS);
    samples.push(elapsed / (calls * perCall));
  }
  samples.sort((a, b) => a - b);
  const ns = samples[RUNS >> 1]!;
  return { name, nsPerDatagram: Math.round(ns), mbPerSec: Math.round((DATAGRAM / ns) * 1000) };
}

interface CipherCase {
  name: string;
  kind: number;
  keyLength: number;
  blockSize: number;
  reference: (key: Uint8Array) => BlockCipher;
  openssl?: string;
}

const CASES: CipherCase[] = [
  { name: 'tea', kind: CipherKind.TEA, keyLength: 16, blockSize: 8, reference: (k) => new Tea(k) },
  { name: 'xtea', kind: CipherKind.XTEA, keyLength: 16, blockSize: 8, reference: (k) => new Xtea(k) },
  { name: '3des', kind: CipherKind.TRIPLE_DES, keyLength: 24, blockSize: 8, reference: (k) => new TripleDes(k), openssl: 'des-ede3-cfb' },
  { name: 'sm4', kind: CipherKind.SM4, keyLength: 16, blockSize: 16, reference: (k) => new Sm4(k), openssl: 'sm4-cfb' },
];

function fillBatch(k: Kernels): DatagramBatch {
  const batch = new DatagramBatch(k, BATCH);
  for (let i = 0; i < BATCH; i++) batch.push(randomBytes(DATAGRAM));
  return batch;
}

function benchWasm(variant: KernelVariant, out: BenchResult[]): void {
  const k = loadKernels({ variant });
  const key = randomBytes(32);
  const keyPtr = k.allocBytes(key);
  const ivPtr = k.allocBytes(KCP_CFB_IV);
  const batch = fillBatch(k);
  const e = k.exports;
  for (const c of CASES) {
    const ctx = k.alloc(e.cipher_ctx_size(c.kind), 16);
    if (e.cipher_init(c.kind, ctx, keyPtr, c.keyLength) !== 0) throw new Error(`cipher_init ${c.name} failed`);
    out.push(measure(`${c.name} wasm-${variant} encrypt ×${BATCH}`, BATCH, () => e.cfb_encrypt_batch(c.kind, ctx, ivPtr, batch.base, batch.stride, batch.lens, batch.count)));
    out.push(measure(`${c.name} wasm-${variant} decrypt ×${BATCH}`, BATCH, () => e.cfb_decrypt_batch(c.kind, ctx, ivPtr, batch.base, batch.stride, batch.lens, batch.count)));
    k.free(ctx);
  }
  out.push(measure(`salsa20 wasm-${variant} xor ×${BATCH}`, BATCH, () => e.salsa20_xor_batch(keyPtr, batch.base, batch.stride, batch.lens, batch.count)));
  batch.dispose();
  k.free(keyPtr);
  k.free(ivPtr);
}

function benchNode(out: BenchResult[]): void {
  const packets = Array.from({ length: BATCH }, () => randomBytes(DATAGRAM));
  for (const c of CASES) {
    if (!c.openssl) continue;
    const key = randomBytes(c.keyLength);
    const iv = KCP_CFB_IV.subarray(0, c.blockSize);
    out.push(
      measure(`${c.name} node:crypto encrypt per packet`, BATCH, () => {
        for (const p of packets) {
          const cipher = createCipheriv(c.openssl!, key, iv);
          cipher.update(p);
          cipher.final();
        }
      }),
    );
    out.push(
      measure(`${c.name} node:crypto decrypt per packet`, BATCH, () => {
        for (const p of packets) {
          const decipher = createDecipheriv(c.openssl!, key, iv);
          decipher.update(p);
          decipher.final();
        }
      }),
    );
  }
}

function benchReference(out: BenchResult[]): void {
  const packet = new Uint8Array(randomBytes(DATAGRAM));
  for (const c of CASES) {
    const cipher = c.reference(new Uint8Array(randomBytes(c.keyLength)));
    out.push(measure(`${c.name} reference-ts encrypt`, 1, () => cfbEncrypt(cipher, KCP_CFB_IV, packet)));
    out.push(measure(`${c.name} reference-ts decrypt`, 1, () => cfbDecrypt(cipher, KCP_CFB_IV, packet)));
  }
  const key = new Uint8Array(randomBytes(32));
  out.push(measure('salsa20 reference-ts xor', 1, () => salsa20Xor(key, packet.subarray(0, 8), packet.subarray(8))));
}

export function benchBlockCiphers2(): BenchResult[] {
  const out: BenchResult[] = [];
  benchWasm('scalar', out);
  benchWasm('simd', out);
  benchNode(out);
  benchReference(out);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = benchBlockCiphers2();
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'kernel'.padEnd(width)}  ns/datagram     MB/s   (${DATAGRAM}-byte datagrams, median of ${RUNS})`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${String(r.nsPerDatagram).padStart(11)}  ${String(r.mbPerSec).padStart(7)}`);
}
