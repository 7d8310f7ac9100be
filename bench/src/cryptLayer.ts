/**
 * The crypt layer as the data plane uses it: every --crypt name on every engine,
 * batched (64 datagrams × 1350 bytes per call), next to one node:crypto CFB
 * context per datagram, plus the prefix kernels (nonce + CRC-32) and zlib.crc32. AES also runs
 * on the AES-NI addon (@kcptunb/aesni, one native call per batch) when it loads.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { DatagramBatch, loadKernels, type KernelVariant } from '@kcptunb/wasm';
import { CFB_IV, KCPTUNB_CIPHER_NAMES, createDatagramCipher, deriveKey, NODE_ALGORITHMS, PacketCrypt, type CipherEngine, type NodeCipherName } from '@kcptunb/crypt';
import { aesImplementation, nativeAes } from '@kcptunb/aesni';
import { measure, type BenchRow } from './harness.js';

const BATCH = 64;
const SIZE = 1350;

/** `names`: only these ciphers, without the baselines and prefix rows (`--only=aes`). */
export function benchCryptLayer(variants: KernelVariant[] = ['simd', 'scalar'], names: readonly string[] = KCPTUNB_CIPHER_NAMES): BenchRow[] {
  const rows: BenchRow[] = [];
  const pass = deriveKey('bench');
  const native = nativeAes();
  if (!native) console.error(`bench: no AES-NI engine (${aesImplementation().reason})`);
  for (const variant of variants) {
    const kernels = loadKernels({ variant });
    const batch = new DatagramBatch(kernels, BATCH);
    for (let i = 0; i < BATCH; i++) batch.push(randomBytes(SIZE));
    for (const name of names) {
      const engines: CipherEngine[] = name in NODE_ALGORITHMS ? ['wasm', 'node'] : ['wasm'];
      if (native && name.startsWith('aes')) engines.push('native');
      for (const engine of engines) {
        if (engine !== 'wasm' && variant !== variants[0]) continue; // node:crypto and AES-NI do not depend on the kernel build
        const cipher = createDatagramCipher(kernels, name, pass, { engine, nativeAes: native });
        const label = `${name} [${cipher.engine}]`;
        rows.push(measure(`${label} encrypt ×${BATCH}`, () => cipher.encrypt(batch), BATCH, BATCH * SIZE));
        rows.push(measure(`${label} decrypt ×${BATCH}`, () => cipher.decrypt(batch), BATCH, BATCH * SIZE));
        rows.push(
          measure(`${label} encrypt+decrypt ×${BATCH}`, () => {
            cipher.encrypt(batch);
            cipher.decrypt(batch);
          }, BATCH, BATCH * SIZE),
        );
        cipher.dispose();
      }
    }
    if (names !== KCPTUNB_CIPHER_NAMES) {
      batch.dispose();
      continue;
    }
    const crypt = new PacketCrypt(kernels, createDatagramCipher(kernels, 'none', pass));
    rows.push(measure(`prefix seal (nonce+CRC-32) ×${BATCH} [wasm-${variant}]`, () => crypt.seal(batch), BATCH, BATCH * SIZE));
    rows.push(measure(`prefix open (CRC-32 check) ×${BATCH} [wasm-${variant}]`, () => crypt.open(batch), BATCH, BATCH * SIZE));
    crypt.dispose();
    batch.dispose();
  }
  if (names !== KCPTUNB_CIPHER_NAMES) return rows;
  // baselines: one node:crypto context per datagram, zlib.crc32 per datagram
  const packets = Array.from({ length: BATCH }, () => randomBytes(SIZE));
  for (const name of Object.keys(NODE_ALGORITHMS) as NodeCipherName[]) {
    const { cfb, block } = NODE_ALGORITHMS[name];
    const key = pass.subarray(0, name === 'aes' ? 32 : name === 'aes-192' || name === '3des' ? 24 : 16);
    const iv = CFB_IV.subarray(0, block);
    rows.push(
      measure(`${name} [node:crypto per datagram] encrypt`, () => {
        for (const p of packets) createCipheriv(cfb, key, iv).update(p);
      }, BATCH, BATCH * SIZE),
    );
  }
  const crc32 = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (crc32) {
    rows.push(
      measure('zlib.crc32 per datagram', () => {
        for (const p of packets) crc32(p.subarray(20));
      }, BATCH, BATCH * SIZE),
    );
  }
  return rows;
}
