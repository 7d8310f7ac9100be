/**
 * Loading a prebuilt N-API addon without a compiler on the user's machine. An
 * addon package keeps its committed binaries in `prebuilds/<platform>-<arch>/`
 * (prebuildify's layout, built by scripts/prebuild.mjs); a developer build in
 * `build/Release/` wins over them (node-gyp-build's order). In the published
 * `kcptunb` bundle the package roots are gone: scripts/bundle.mjs copies each
 * package's prebuilds to `dist/addons/<name>/`, which is the second place
 * looked at. Loading never throws: callers get the addon or why not, and run
 * their pure fallback.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import nodeGypBuild from 'node-gyp-build';

export type AddonLoad<T> = { ok: true; addon: T; path: string } | { ok: false; reason: string };

/** Where the bundle keeps addon `name` (`dist/addons/<name>/`, beside `dist/lib/` that holds this code). */
export function bundledAddonDir(name: string): URL {
  return new URL(`../addons/${name}/`, import.meta.url);
}

const require = createRequire(import.meta.url);

/**
 * The addon `name` of the package whose root is `packageRoot` (an addon module passes
 * `new URL('..', import.meta.url)` from its `dist/`), else its bundled copy.
 */
export function loadAddon<T>(name: string, packageRoot: URL): AddonLoad<T> {
  let reason = '';
  for (const dir of [packageRoot, bundledAddonDir(name)]) {
    let path: string;
    try {
      path = nodeGypBuild.path(fileURLToPath(dir));
    } catch (e) {
      reason ||= firstLine(e);
      continue;
    }
    try {
      return { ok: true, addon: require(path) as T, path };
    } catch (e) {
      // found but not loadable (another libc, a truncated file): that is the reason to report
      return { ok: false, reason: `${path}: ${firstLine(e)}` };
    }
  }
  return { ok: false, reason };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}
