#!/usr/bin/env node
// Builds the publishable `kcptunb` package's contents from the compiled workspaces (run after
// `turbo run build`; `npm run build` does both):
//
//   dist/lib/      cli.js (the bin's entry), index.js + index.d.ts (the library API), shard.js (the
//                  piscina worker: dataplane/host.ts starts `./shard.js` beside itself) and shared chunks
//   dist/bin/      the WASM kernels (wasm/loader.ts reads `../bin/*.wasm` from its module)
//   dist/addons/   each addon package's committed prebuilds/ (see @kcptunb/native)
//
// Every @kcptunb/* workspace is bundled in; third-party packages stay imports and must be the
// root package.json's dependencies at the workspaces' exact versions (checked here). A few
// dependencies are files the runtime serves rather than modules it imports (SERVED_FILES).

/** Dependencies the bundle does not import but reads files of, through createRequire().resolve: the dashboard's chart library. */
const SERVED_FILES = { uplot: ['dist/uPlot.iife.min.js', 'dist/uPlot.min.css'] };
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const fail = (msg) => {
  console.error(`bundle: ${msg}`);
  process.exit(1);
};

const rootPkg = readJson(join(root, 'package.json'));
const workspaces = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((dir) => ({ dir, pkg: readJson(join(dir, 'package.json')) }));
const isWorkspace = (name) => name.startsWith('@kcptunb/');

rmSync(out, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'packages/control/dist/cli.js',
    index: 'packages/control/dist/index.js',
    shard: 'packages/dataplane/dist/shard.js',
  },
  outdir: join(out, 'lib'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: `node${rootPkg.engines.node.replace(/^>=\s*/, '')}`,
  // third-party packages (native ones among them: snappy, @node-rs/crc32) are installed by npm
  external: Object.keys(rootPkg.dependencies),
  metafile: true,
  logLevel: 'warning',
});

// Every bare import left in the output is a declared dependency at the workspaces' version.
const imported = new Set();
for (const o of Object.values(result.metafile.outputs)) {
  for (const i of o.imports) if (i.external && !i.path.startsWith('node:')) imported.add(i.path.split('/').slice(0, i.path.startsWith('@') ? 2 : 1).join('/'));
}
for (const name of imported) {
  if (isWorkspace(name)) fail(`${name} was left external`);
  const want = rootPkg.dependencies[name];
  if (!want) fail(`the bundle imports ${name}, which the root package.json does not depend on`);
  for (const { pkg } of workspaces) {
    const have = pkg.dependencies?.[name];
    if (have && have !== want) fail(`${pkg.name} depends on ${name}@${have}, the root package.json on ${want}`);
  }
}
for (const [name, files] of Object.entries(SERVED_FILES)) {
  const want = rootPkg.dependencies[name];
  if (!want) fail(`the runtime serves files of ${name}, which the root package.json does not depend on`);
  for (const { pkg } of workspaces) {
    const have = pkg.dependencies?.[name];
    if (have && have !== want) fail(`${pkg.name} depends on ${name}@${have}, the root package.json on ${want}`);
  }
  for (const f of files) if (!existsSync(join(root, 'node_modules', name, f))) fail(`${name}/${f}, which the runtime serves, is not installed`);
}
for (const name of Object.keys(rootPkg.dependencies)) if (!imported.has(name) && !Object.hasOwn(SERVED_FILES, name)) fail(`the root package.json depends on ${name}, which the bundle does not import`);

// The bundle's assets, where its modules look for them.
cpSync(join(root, 'packages', 'wasm', 'bin'), join(out, 'bin'), { recursive: true, filter: (p) => !/\.[a-z]+$/.test(p) || p.endsWith('.wasm') });
for (const { dir } of workspaces) {
  const prebuilds = join(dir, 'prebuilds');
  if (existsSync(prebuilds)) {
    const name = dir.split('/').pop();
    mkdirSync(join(out, 'addons', name), { recursive: true });
    cpSync(prebuilds, join(out, 'addons', name, 'prebuilds'), { recursive: true });
  }
}

// One declaration file for the library API, workspace types inlined. The wasm package declares
// the WebAssembly subset it uses globally (webassembly.d.ts, since @types/node 20 lacks it): no
// exported type needs it, and in a consumer's program it would collide with the DOM lib's.
const omitGlobals = {
  name: 'omit-webassembly-globals',
  load: (id) => (id.endsWith('/packages/wasm/dist/webassembly.d.ts') ? 'export {};' : null),
};
const types = await rollup({
  input: join(root, 'packages', 'control', 'dist', 'index.d.ts'),
  plugins: [omitGlobals, dts({ respectExternal: true })],
  external: (id) => !isWorkspace(id) && !id.startsWith('.') && !id.startsWith('/'),
  onwarn: (w) => fail(`types: ${w.message}`),
});
await types.write({ file: join(out, 'lib', 'index.d.ts'), format: 'es' });
await types.close();
if (readFileSync(join(out, 'lib', 'index.d.ts'), 'utf8').includes('declare global')) fail('types: dist/lib/index.d.ts augments the global scope');

const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const jsBytes = Object.entries(result.metafile.outputs).reduce((a, [, o]) => a + o.bytes, 0);
console.log(`bundle: dist/lib ${kib(jsBytes)} of JavaScript; externals ${[...imported].sort().join(', ')}`);
