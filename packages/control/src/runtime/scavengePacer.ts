/**
 * Young-generation collections paced by the bytes the TCP path moves through Buffers. Every TCP
 * read is a fresh Buffer (64 KiB during a transfer) and every frame delivered to a socket another;
 * each dies within a turn or two, but V8 schedules scavenges by the allocation in its own heap,
 * which these small Buffer objects barely move, so tens of MiB of dead chunks waited for the next
 * one (bench/README.md "Memory"). Where `gc` is exposed (the CLI's launcher passes --expose-gc),
 * one asynchronous minor collection per SCAVENGE_EVERY bytes bounds that garbage; elsewhere (a
 * library user's process) this does nothing.
 */

/**
 * Bytes through TCP Buffers between two requested scavenges. Well above what the streams hold
 * queued (16 busy streams × the 256 KiB write high-water mark): a chunk still queued survives a
 * scavenge, and after two it is promoted to the old generation, where it waits for a full
 * collection — 2 MiB measured 47 MiB of Buffers on a 16-stream upload, 8 MiB 19.
 */
export const SCAVENGE_EVERY = 8 << 20;

type ExposedGc = (options: { type: 'minor'; execution: 'async' }) => unknown;
const gc = (globalThis as { gc?: ExposedGc }).gc;
let sinceLast = 0;

/** `n` bytes went through a TCP read or write Buffer. */
export function countTcpBytes(n: number): void {
  if (gc === undefined) return;
  sinceLast += n;
  if (sinceLast < SCAVENGE_EVERY) return;
  sinceLast = 0;
  void gc({ type: 'minor', execution: 'async' });
}
