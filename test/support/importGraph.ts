/**
 * The import graph of a package's sources, for the purity test: every `.ts`
 * file under a directory (subfolders too), each file's imports (static,
 * re-exports, side-effect, dynamic, require), relative ones followed to the
 * file they name. Comments are stripped before anything is matched.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface SourceFile {
  path: string;
  /** The source without comments. */
  code: string;
  /** Every module specifier the file imports, as written. */
  imports: string[];
}

/** Remove block and line comments, leaving string literals alone. */
export function stripComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
];

export function importsOf(code: string): string[] {
  const found = new Set<string>();
  for (const re of IMPORT_PATTERNS) for (const m of code.matchAll(re)) found.add(m[1]!);
  return [...found];
}

/** Every `.ts` file under `dir`, recursively (declaration files excluded). */
export function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFilesUnder(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The `.ts` file a relative specifier names (`./x.js` → `x.ts`, `./dir` → `dir/index.ts`), or undefined. */
export function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.(m?js)$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c) && statSync(c).isFile());
}

/**
 * Walk from every source file under `root`, following relative imports (also ones
 * that leave `root`). Returns every file reached and the relative imports that
 * name no file (reported as broken, never silently skipped).
 */
export function importGraph(root: string): { files: SourceFile[]; unresolved: string[] } {
  const seen = new Map<string, SourceFile>();
  const unresolved: string[] = [];
  const queue = tsFilesUnder(root);
  for (let n = 0; queue.length > 0; n++) {
    if (n > 100_000) throw new Error(`import graph under ${root}: more than 100000 files`);
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    const code = stripComments(readFileSync(path, 'utf8'));
    const file: SourceFile = { path, code, imports: importsOf(code) };
    seen.set(path, file);
    for (const spec of file.imports) {
      if (!spec.startsWith('.')) continue;
      const target = resolveRelative(path, spec);
      if (target) queue.push(target);
      else unresolved.push(`${relative(root, path)}: ${spec}`);
    }
  }
  return { files: [...seen.values()], unresolved };
}
