/**
 * Micro-benchmark: TEA, XTEA, 3DES, SM4 (CFB, docs/protocol.md §1.4) and salsa20 (docs/protocol.md §1.5) on
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
import { markdownTable, measure, type BenchRow } from './harness.js';

const DATAGRAM = 1350;
const BATCH = 64;
const RUNS = 7;

/** Median of RUNS timed runs (bench/src/harness.ts); `op` processes `perCall` datagrams. */
function measureDatagrams(name: string, perCall: number, op: () => void): BenchRow {
  return measure(name, op, perCall, perCall * DATAGRAM, { runs: RUNS });
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

function benchWasm(variant: KernelVariant, out: BenchRow[]): void {
  const k = loadKernels({ variant });
  const key = randomBytes(32);
  const keyPtr = k.allocBytes(key);
  const ivPtr = k.allocBytes(KCP_CFB_IV);
  const batch = fillBatch(k);
  const e = k.exports;
  for (const c of CASES) {
    const ctx = k.alloc(e.cipher_ctx_size(c.kind), 16);
    if (e.cipher_init(c.kind, ctx, keyPtr, c.keyLength) !== 0) throw new Error(`cipher_init ${c.name} failed`);
    out.push(measureDatagrams(`${c.name} wasm-${variant} encrypt ×${BATCH}`, BATCH, () => e.cfb_encrypt_batch(c.kind, ctx, ivPtr, batch.base, batch.stride, batch.lens, batch.count)));
    out.push(measureDatagrams(`${c.name} wasm-${variant} decrypt ×${BATCH}`, BATCH, () => e.cfb_decrypt_batch(c.kind, ctx, ivPtr, batch.base, batch.stride, batch.lens, batch.count)));
    k.free(ctx);
  }
  out.push(measureDatagrams(`salsa20 wasm-${variant} xor ×${BATCH}`, BATCH, () => e.salsa20_xor_batch(keyPtr, batch.base, batch.stride, batch.lens, batch.count)));
  batch.dispose();
  k.free(keyPtr);
  k.free(ivPtr);
}

function benchNode(out: BenchRow[]): void {
  const packets = Array.from({ length: BATCH }, () => randomBytes(DATAGRAM));
  for (const c of CASES) {
    if (!c.openssl) continue;
    const key = randomBytes(c.keyLength);
    const iv = KCP_CFB_IV.subarray(0, c.blockSize);
    out.push(
      measureDatagrams(`${c.name} node:crypto encrypt per packet`, BATCH, () => {
        for (const p of packets) {
          const cipher = createCipheriv(c.openssl!, key, iv);
          cipher.update(p);
          cipher.final();
        }
      }),
    );
    out.push(
      measureDatagrams(`${c.name} node:crypto decrypt per packet`, BATCH, () => {
        for (const p of packets) {
          const decipher = createDecipheriv(c.openssl!, key, iv);
          decipher.update(p);
          decipher.final();
        }
      }),
    );
  }
}

function benchReference(out: BenchRow[]): void {
  const packet = new Uint8Array(randomBytes(DATAGRAM));
  for (const c of CASES) {
    const cipher = c.reference(new Uint8Array(randomBytes(c.keyLength)));
    out.push(measureDatagrams(`${c.name} reference-ts encrypt`, 1, () => cfbEncrypt(cipher, KCP_CFB_IV, packet)));
    out.push(measureDatagrams(`${c.name} reference-ts decrypt`, 1, () => cfbDecrypt(cipher, KCP_CFB_IV, packet)));
  }
  const key = new Uint8Array(randomBytes(32));
  out.push(measureDatagrams('salsa20 reference-ts xor', 1, () => salsa20Xor(key, packet.subarray(0, 8), packet.subarray(8))));
}

export function benchBlockCiphers2(): BenchRow[] {
  const out: BenchRow[] = [];
  benchWasm('scalar', out);
  benchWasm('simd', out);
  benchNode(out);
  benchReference(out);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(markdownTable(benchBlockCiphers2()));
