/**
 * Loading the AES-NI addon: absent off Linux (the build script's platform), when
 * `KCPTUNB_AES=node` asks for the node:crypto engine, when it was not built (no compiler: the
 * prebuilt/fallback path) or when the CPU has no AES-NI; callers then use node:crypto.
 */
import { createRequire } from 'node:module';

export interface AesniAddon {
  /** null when usable, else why not. */
  aesSupported(): string | null;
  expandKey(key: Uint8Array): Uint8Array;
  cfbEncryptBatch(schedule: Uint8Array, rounds: number, iv: Uint8Array, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  cfbDecryptBatch(schedule: Uint8Array, rounds: number, iv: Uint8Array, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
}

let addon: AesniAddon | undefined;
let reason: string | undefined;
if (process.platform !== 'linux') {
  reason = `the AES-NI addon is built for Linux only (platform ${process.platform})`;
} else if (process.env.KCPTUNB_AES === 'node') {
  reason = 'KCPTUNB_AES=node';
} else {
  try {
    const loaded = createRequire(import.meta.url)('../build/Release/aesni.node') as AesniAddon;
    const why = loaded.aesSupported();
    if (why === null) addon = loaded;
    else reason = why;
  } catch (e) {
    reason = `native addon @kcptunb/aesni not loadable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

/** The addon, or undefined with the reason node:crypto is used. */
export function aesniAddon(): { addon: AesniAddon } | { addon: undefined; reason: string } {
  return addon ? { addon } : { addon: undefined, reason: reason ?? 'unavailable' };
}
