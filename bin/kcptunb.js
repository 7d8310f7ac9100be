#!/bin/sh
':' //; exec env MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 node --max-semi-space-size=1 --expose-gc "$0" "$@"
// The launcher's settings are in the line above: sh runs it (in JavaScript it is a string and a
// comment) and execs node in its place, same pid, with them; any POSIX sh and env will do
// (BusyBox's env has no -S). Measured in
// bench/README.md "Memory": a 1 MiB V8 semi-space (the young generation of the main thread and, as
// a process-wide flag, of the shard workers: what a transfer churns through, otherwise grown to
// tens of MiB), two malloc arenas for all threads instead of one per thread, and allocations of
// 64 KiB and more (TCP read chunks) mmapped so each goes back to the system when freed;
// --expose-gc lets the TCP path ask for a scavenge per 8 MiB it moves (runtime/scavengePacer.ts).
// The published package's command: the bundled CLI (npm run build → scripts/bundle.mjs).
// From a clone linked with `npm install -g .` before building, say so instead of a stack trace.
let cli;
try {
  cli = await import('../dist/lib/cli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/lib/cli.js')) throw e;
  const root = new URL('..', import.meta.url).pathname;
  process.stderr.write(`kcptunb: not built yet: run \`npm ci && npm run build\` in ${root}\n`);
  process.exit(1);
}
await cli.main();
