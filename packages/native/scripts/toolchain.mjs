// What node-gyp needs on this machine, found without running anything: shared by
// build-addon.mjs (developer builds) and prebuild.mjs (the committed prebuilds).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/** Absolute path of `cmd` on PATH, or undefined. */
export function which(cmd) {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** The tools node-gyp's make build runs (it links with $CXX even for C sources); the missing ones. */
export function missingTools(env = process.env) {
  const tools = ['python3', 'make', env.CC || 'cc', env.CXX || 'c++'];
  return tools.filter((t) => !which(t.split(' ')[0]));
}

/** npm's bundled node-gyp (the one npm passes to scripts, else the one next to this node). */
export function nodeGypScript() {
  return [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].find((p) => p && existsSync(p));
}

/** Local Node headers (npm's nodedir, else <prefix>/include/node of the running node), so nothing is downloaded. */
export function nodeHeadersDir() {
  const hasHeaders = (dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h'));
  return [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].find(hasHeaders);
}

/** The target names of the package's binding.gyp (each builds build/Release/<name>.node). */
export function gypTargets(pkgDir) {
  // binding.gyp is a Python literal; the ones here are plain JSON
  const gyp = JSON.parse(readFileSync(join(pkgDir, 'binding.gyp'), 'utf8'));
  // the loadable modules only: a static library (e.g. kernels built with their own CPU flags) yields no .node
  return gyp.targets.filter((t) => (t.type ?? 'loadable_module') === 'loadable_module').map((t) => t.target_name);
}

/** The host's prebuild folder name, as node-gyp-build looks it up. */
export const hostPrebuild = `${process.platform}-${process.arch}`;
