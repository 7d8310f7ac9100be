/**
 * Loading the N-API addon: absent off Linux, when disabled by
 * KCPTUNB_SOCKOPT_DISABLE=1, or when it was not built; every caller then
 * gets an UNSUPPORTED SockoptError instead of a crash.
 */
import { createRequire } from 'node:module';
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
let unsupportedReason: string | undefined;
if (process.platform !== 'linux') {
  unsupportedReason = `socket options are implemented for Linux only (platform ${process.platform})`;
} else if (process.env.KCPTUNB_SOCKOPT_DISABLE === '1') {
  // escape hatch (and how the tests exercise the unsupported path on Linux)
  unsupportedReason = 'native socket options disabled by KCPTUNB_SOCKOPT_DISABLE=1';
} else {
  try {
    addon = createRequire(import.meta.url)('../build/Release/sockopt.node') as Addon;
  } catch (e) {
    unsupportedReason =
      `native addon @kcptunb/sockopt not loadable (build it with \`npm run build -w @kcptunb/sockopt\`): ` +
      (e instanceof Error ? e.message.split('\n')[0] : String(e));
  }
}

/** Whether the native part is usable here, and why not. */
export function sockoptSupport(): { supported: boolean; reason?: string } {
  return addon ? { supported: true } : { supported: false, reason: unsupportedReason };
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
