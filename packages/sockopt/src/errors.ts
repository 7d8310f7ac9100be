/** The one error type of this package, and the conversions into it. */
import os from 'node:os';

/**
 * - `UNSUPPORTED`: not Linux, or the native addon is not built/loadable (`unsupported` is true).
 * - `ENOFD`: the Node socket has no file descriptor (not bound/listening/connected yet, closed,
 *   or Node's internals changed — see {@link fdOf}).
 * - `ERR_ARG`: a bad argument (not an integer, DSCP outside 0..63, port outside 0..65535, ...).
 * - otherwise the errno name the kernel returned (`EBADF`, `ENOTSOCK`, `ENOPROTOOPT`,
 *   `ECONNREFUSED`, `ETIMEDOUT`, ...), with `errno` set.
 */
export type SockoptErrorCode = 'UNSUPPORTED' | 'ENOFD' | 'ERR_ARG' | (string & {});

export class SockoptError extends Error {
  override readonly name = 'SockoptError';
  readonly code: SockoptErrorCode;
  /** Positive C errno when the kernel refused. */
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  constructor(code: SockoptErrorCode, message: string, errno?: number, syscall?: string) {
    super(message);
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
  /** True when the platform/build cannot do this at all (warn once, carry on). */
  get unsupported(): boolean {
    return this.code === 'UNSUPPORTED';
  }
}

export type SockoptResult = { ok: true } | { ok: false; error: SockoptError };

export const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(os.constants.errno)) if (!errnoNames.has(num)) errnoNames.set(num, name);

/** Converts whatever the addon threw into a SockoptError. */
export function toSockoptError(e: unknown, what: string): SockoptError {
  if (e instanceof SockoptError) return e;
  const err = e as { errno?: unknown; syscall?: unknown; code?: unknown; message?: unknown };
  if (typeof err?.errno === 'number') {
    const name = errnoNames.get(err.errno) ?? `E${err.errno}`;
    return new SockoptError(name, `${what}: ${String(err.message)}`, err.errno, typeof err.syscall === 'string' ? err.syscall : undefined);
  }
  if (err?.code === 'ESOCKOPT_ARG') return new SockoptError('ERR_ARG', `${what}: ${String(err.message)}`);
  return new SockoptError('ERR_NATIVE', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** A Node socket error (negative errno, libuv code) as a SockoptError of the same code. */
export function fromNodeError(e: unknown, what: string): SockoptError {
  if (e instanceof SockoptError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : 'ERR_NATIVE';
  const errno = typeof err?.errno === 'number' ? Math.abs(err.errno) : os.constants.errno[code as keyof typeof os.constants.errno];
  const out = new SockoptError(code, `${what}: ${code}`, errno, 'connect');
  (out as { cause?: unknown }).cause = e;
  return out;
}

export function timeoutError(what: string, ms: number): SockoptError {
  return new SockoptError('ETIMEDOUT', `${what}: timed out after ${ms} ms`, os.constants.errno.ETIMEDOUT, 'connect');
}

export function checkInt(v: unknown, what: string, min = -0x80000000, max = 0x7fffffff): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new SockoptError('ERR_ARG', `${what} must be an integer in ${min}..${max}, got ${String(v)}`);
}

export function wrap<T>(fn: () => T): SockoptResult & { value?: T } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: toSockoptError(e, 'sockopt') };
  }
}

export function strip(r: SockoptResult & { value?: unknown }): SockoptResult {
  return r.ok ? { ok: true } : { ok: false, error: r.error };
}
