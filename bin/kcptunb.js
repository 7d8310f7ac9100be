#!/usr/bin/env node
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
