/**
 * The NativeAesEngine that @kcptunb/crypt takes by injection (it may not load native code
 * itself): the AES-NI addon where it loads, else undefined and crypt runs AES on node:crypto.
 * Which one, and why, is logged once per thread by `announceAes`.
 */
import type { NativeAesEngine } from '@kcptunb/crypt';
import { aesniAddon } from './addon.js';

let engine: NativeAesEngine | undefined;
let announced = false;

/** The AES-NI engine, or undefined when the addon is unavailable (see `aesImplementation`). */
export function nativeAes(): NativeAesEngine | undefined {
  if (engine) return engine;
  const a = aesniAddon();
  if (!a.addon) return undefined;
  const { expandKey, cfbEncryptBatch, cfbDecryptBatch, crcSealBatch, crcCheckBatch } = a.addon;
  // KCPTUNB_CRC=zlib keeps the per-datagram zlib.crc32 path (benches, differential runs)
  const crc = process.env.KCPTUNB_CRC === 'zlib' ? {} : { crcSealBatch, crcCheckBatch };
  engine = { name: 'aes-ni', expandKey, cfbEncryptBatch, cfbDecryptBatch, ...crc };
  return engine;
}

/** Which AES engine the data plane uses here, and why. */
export function aesImplementation(): { kind: 'aes-ni' | 'node:crypto'; reason?: string } {
  const a = aesniAddon();
  return a.addon ? { kind: 'aes-ni' } : { kind: 'node:crypto', reason: a.reason };
}

/** Log the AES engine the first time a thread asks (later calls do nothing). */
export function announceAes(log: (line: string) => void): void {
  if (announced) return;
  announced = true;
  const i = aesImplementation();
  log(i.reason === undefined ? 'aes: AES-NI addon (one native call per batch)' : `aes: node:crypto (${i.reason})`);
}
