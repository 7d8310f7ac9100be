/**
 * Runs Debian's `kcptun-client` against a UDP socket this process owns and
 * records every datagram it sends: real-peer bytes for the decoder tests.
 * (A count-based front end to captureKcptunClientUntil.)
 */
import { captureKcptunClientUntil, type CaptureUntilOptions } from './kcptunCaptureUntil.js';

export interface CaptureOptions extends Omit<CaptureUntilOptions, 'until' | 'timeoutMs'> {
  /** Stop once this many datagrams arrived… */
  minDatagrams: number;
  /** …or fail after this long. */
  timeoutMs?: number;
}

export async function captureKcptunClient(opts: CaptureOptions): Promise<Buffer[]> {
  const r = await captureKcptunClientUntil({ ...opts, until: (d) => d.length >= opts.minDatagrams, timeoutMs: opts.timeoutMs ?? 5000 });
  if (r.timedOut) throw new Error(`${opts.minDatagrams} datagrams from kcptun-client --crypt ${opts.crypt} did not arrive (got ${r.datagrams.length}); client said:\n${r.clientOutput}`);
  return r.datagrams;
}
