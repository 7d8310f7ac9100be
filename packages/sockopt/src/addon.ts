/**
 * Loading the N-API addon: a developer build (build/Release) or the committed
 * prebuilt (prebuilds/<platform>-<arch>/, also shipped inside the kcptunb
 * bundle) through @kcptunb/native. Absent off Linux, when disabled by
 * KCPTUNB_SOCKOPT_DISABLE=1, or when neither matches this machine; every
 * caller then gets an UNSUPPORTED SockoptError instead of a crash.
 */
import { loadAddon } from '@kcptunb/native';
import { SockoptError } from './errors.js';

export interface Addon {
  setInt(fd: number, level: number, name: number, value: number): void;
  getInt(fd: number, level: number, name: number): number;
  family(fd: number): 0 | 4 | 6;
  tcpInfo(fd: number): [state: number, segsOut: number, options: number];
  connectTfo(ip: string, port: number, family: 4 | 6): [fd: number, inProgress: 0 | 1, tfoErrno: number];
  closeFd(fd: number): void;
}

let addon: Addon | undefined;
let addonPath: string | undefined;
let unsupportedReason: string | undefined;
if (process.platform !== 'linux') {
  unsupportedReason = `socket options are implemented for Linux only (platform ${process.platform})`;
} else if (process.env.KCPTUNB_SOCKOPT_DISABLE === '1') {
  // escape hatch (and how the tests exercise the unsupported path on Linux)
  unsupportedReason = 'native socket options disabled by KCPTUNB_SOCKOPT_DISABLE=1';
} else {
  const loaded = loadAddon<Addon>('sockopt', new URL('..', import.meta.url));
  if (loaded.ok) [addon, addonPath] = [loaded.addon, loaded.path];
  else unsupportedReason = `native addon sockopt not loadable: ${loaded.reason}`;
}

/** Whether the native part is usable here (and which binary was loaded), and why not. */
export function sockoptSupport(): { supported: boolean; path?: string; reason?: string } {
  return addon ? { supported: true, path: addonPath } : { supported: false, reason: unsupportedReason };
}

export function unsupported(): SockoptError {
  return new SockoptError('UNSUPPORTED', unsupportedReason ?? 'unsupported');
}

/** The addon, or undefined when unsupported (for callers with a fallback). */
export function loadedAddon(): Addon | undefined {
  return addon;
}

export function needAddon(): Addon {
  if (!addon) throw unsupported();
  return addon;
}
