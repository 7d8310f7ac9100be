/**
 * Loading the AES-NI addon: absent off Linux (the build script's platform), when
 * `KCPTUNB_AES=node` asks for the node:crypto engine, when no binary matches this machine (no
 * prebuilt, no compiler) or when the CPU has no AES-NI; callers then use node:crypto.
 */
import { loadAddon } from '@kcptunb/native';

export interface AesniAddon {
  /** null when usable, else why not. */
  aesSupported(): string | null;
  expandKey(key: Uint8Array): Uint8Array;
  cfbEncryptBatch(schedule: Uint8Array, rounds: number, iv: Uint8Array, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  cfbDecryptBatch(schedule: Uint8Array, rounds: number, iv: Uint8Array, mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  /** The prefix layout's CRC-32 of every slot (docs/protocol.md §1.3), zlib's, in one call. */
  crcSealBatch(mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number): void;
  /** flags[flagsIndex + i] = 1 when slot i's CRC matches (§1.8); returns how many did. */
  crcCheckBatch(mem: Uint8Array, base: number, stride: number, lens: Uint32Array, lensIndex: number, count: number, flags: Uint8Array, flagsIndex: number): number;
}

let addon: AesniAddon | undefined;
let reason: string | undefined;
if (process.platform !== 'linux') {
  reason = `the AES-NI addon is built for Linux only (platform ${process.platform})`;
} else if (process.env.KCPTUNB_AES === 'node') {
  reason = 'KCPTUNB_AES=node';
} else {
  // a developer build (build/Release), else the committed prebuilt (prebuilds/<platform>-<arch>/)
  const loaded = loadAddon<AesniAddon>('aesni', new URL('..', import.meta.url));
  if (!loaded.ok) reason = `native addon aesni not loadable: ${loaded.reason}`;
  else {
    const why = loaded.addon.aesSupported();
    if (why === null) addon = loaded.addon;
    else reason = why;
  }
}

/** The addon, or undefined with the reason node:crypto is used. */
export function aesniAddon(): { addon: AesniAddon } | { addon: undefined; reason: string } {
  return addon ? { addon } : { addon: undefined, reason: reason ?? 'unavailable' };
}
