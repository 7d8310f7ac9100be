/**
 * docs/protocol.md is the document the code cites: every `protocol.md §x.y` (or
 * `protocol.md Appendix X.n`) reference in the sources, tests, benches and docs must name a
 * section that exists as a numbered heading there, and nothing may still point at a
 * document outside the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/vectors.js';

const DOC = join(REPO_ROOT, 'docs', 'protocol.md');
const TEXT_EXTENSIONS = /\.(ts|mts|cts|js|mjs|cjs|rs|md|json|sh|toml|txt|yml|yaml)$/;
const SKIP_DIRS = new Set(['dist', 'node_modules', 'target', '.turbo']);

/** A section id: `4.6.3`, `0`, or an appendix `A` / `A.5`. */
const ID = String.raw`(?:\d+(?:\.\d+)*|[A-C](?:\.\d+)?)`;
/** Where a citation starts: `protocol.md §4.3` or `protocol.md Appendix A.5`. */
const CITATION_START = new RegExp(String.raw`protocol\.md\s+(?:§\s*|Appendix\s+)(${ID})`, 'g');
/**
 * What may follow a cited id and still belong to the same citation: a qualifier such as
 * `step 4` / `items 2–3` (also after a comment line break), then a range `–3.7` or a list
 * item `, §4.6` / ` and §2.5` / `/§7.2` / `, Appendix A.6`.
 */
const QUALIFIER = String.raw`(?:[\s*/!]+(?:steps?|items?)\s+\d+(?:[–-]\d+)?)?`;
const CONTINUATION = new RegExp(
  String.raw`${QUALIFIER}(?:[–-](${ID})|(?:\s*[,/;]|\s+and|\s+or)[\s*/!]*(?:§\s*|Appendix\s+)(${ID}))`,
  'y',
);
/** A `§x.y` that belongs to some other document (RFC 2144 §2.4, FIPS-197 §5.2, …). */
const FOREIGN_SECTION = /(?:RFC\s*\d+|FIPS-\d+|paper|GB\/T\s*\d+)\s*$/;

/** Section ids of the numbered headings of a markdown text (`### 3.1 Segment header` → `3.1`). */
function headingIds(markdown: string): string[] {
  const ids: string[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(?:Appendix\s+)?([0-9A-C][0-9.]*)(?=[\s—-]|$)/.exec(line);
    if (m) ids.push(m[1]!.replace(/\.$/, ''));
  }
  return ids;
}

/** Every section id a text cites from protocol.md, with its 1-based line number. */
function citedSections(text: string): Array<{ id: string; line: number }> {
  const out: Array<{ id: string; line: number }> = [];
  const lineOf = (at: number) => text.slice(0, at).split('\n').length;
  const seen = new Set<number>(); // offsets of § signs already taken
  for (const start of text.matchAll(CITATION_START)) {
    let id = start[1]!;
    let end = start.index + start[0].length;
    seen.add(start.index + start[0].search(/§|Appendix/));
    out.push({ id, line: lineOf(start.index) });
    for (;;) {
      CONTINUATION.lastIndex = end;
      const next = CONTINUATION.exec(text);
      if (!next) break;
      id = (next[1] ?? next[2])!;
      end = CONTINUATION.lastIndex;
      const sign = next[0].search(/§|Appendix/);
      if (sign >= 0) seen.add(next.index + sign);
      out.push({ id, line: lineOf(end) });
    }
  }
  // On a line that cites protocol.md, any further `§x.y` or `Appendix X.n` (e.g. "§7.1 TCP
  // Fast Open, §7.2 DSCP") is taken as a protocol.md section too, unless another document is
  // named right before it.
  let offset = 0;
  for (const line of text.split('\n')) {
    const first = line.search(/protocol\.md\s+(?:§|Appendix)/);
    if (first >= 0) {
      for (const m of line.slice(first).matchAll(new RegExp(String.raw`(?:§\s*|\bAppendix\s+)(${ID})\b`, 'g'))) {
        const at = offset + first + m.index;
        if (seen.has(at) || FOREIGN_SECTION.test(line.slice(0, first + m.index))) continue;
        seen.add(at);
        out.push({ id: m[1]!, line: lineOf(at) });
      }
    }
    offset += line.length + 1;
  }
  return out;
}

/** Text files of the trees that may cite the document. */
function scannedFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (TEXT_EXTENSIONS.test(name)) files.push(p);
    }
  };
  for (const pkg of readdirSync(join(REPO_ROOT, 'packages')).sort()) {
    walk(join(REPO_ROOT, 'packages', pkg, 'src'));
    walk(join(REPO_ROOT, 'packages', pkg, 'rust', 'src'));
    const readme = join(REPO_ROOT, 'packages', pkg, 'README.md');
    if (existsSync(readme)) files.push(readme);
  }
  walk(join(REPO_ROOT, 'test'));
  walk(join(REPO_ROOT, 'bench', 'src'));
  walk(join(REPO_ROOT, 'docs'));
  for (const top of ['README.md', 'ARCHITECTURE.md', join('bench', 'README.md')]) {
    if (existsSync(join(REPO_ROOT, top))) files.push(join(REPO_ROOT, top));
  }
  return files;
}

/** The section numbering the code's references were written against; it must not drift. */
const REQUIRED = [
  '0', '0.1', '0.2', '0.3', '0.4',
  '1', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8',
  '2', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6',
  '3', '3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8', '3.9',
  '4', '4.1', '4.2', '4.3', '4.4', '4.5', '4.6', '4.6.1', '4.6.2', '4.6.3', '4.6.4', '4.6.5',
  '5', '5.1', '5.2', '5.3', '5.4',
  '6', '6.1', '6.2', '6.3', '6.4', '6.5',
  '7', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '7.7', '7.8', '7.9',
  '8', '8.1', '8.2', '8.3', '8.4',
  '9',
  'A', 'A.1', 'A.2', 'A.3', 'A.4', 'A.5', 'A.6', 'B', 'C',
];

test('the reference parser finds what a citation names, and only that', () => {
  assert.deepEqual(headingIds('# T\n## 4 smux\n#### 4.6.3 Pause\n## Appendix A — x\n### A.5 RS\n### Not numbered'), ['4', '4.6.3', 'A', 'A.5']);
  const ids = (t: string) => citedSections(t).map((c) => c.id);
  assert.deepEqual(ids('see docs/protocol.md §3.9.'), ['3.9']);
  assert.deepEqual(ids('(docs/protocol.md §0.4 steps 5–7, §3.9)'), ['0.4', '3.9']);
  assert.deepEqual(ids('(docs/protocol.md §3.5–3.7)'), ['3.5', '3.7']);
  assert.deepEqual(ids('(docs/protocol.md §6.3\n * step 4, §6.4 step 4)'), ['6.3', '6.4']);
  assert.deepEqual(ids('docs/protocol.md §7.1/§7.2 and §7.3'), ['7.1', '7.2', '7.3']);
  assert.deepEqual(ids('(docs/protocol.md §7.1 TCP Fast Open, §7.2 DSCP)'), ['7.1', '7.2']);
  assert.deepEqual(ids('rows of docs/protocol.md Appendix A.5; §5, Appendix A.6'), ['A.5', '5', 'A.6']);
  assert.deepEqual(ids('(docs/protocol.md §2.1), RFC 2144 §2.4'), ['2.1']);
  assert.deepEqual(ids('framing (docs/protocol.md §5): the bytes (Appendix A.6)'), ['5', 'A.6']);
  assert.deepEqual(ids('RFC 9112 §2.2 and FIPS-197 §5.1.1 only'), []);
});

test('docs/protocol.md keeps its section numbering, each number once', () => {
  const ids = headingIds(readFileSync(DOC, 'utf8'));
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(duplicates, [], 'a section number is used by two headings');
  const missing = REQUIRED.filter((id) => !ids.includes(id));
  assert.deepEqual(missing, [], 'sections the code is written against are missing');
});

test('the cross-references inside docs/protocol.md resolve', () => {
  const doc = readFileSync(DOC, 'utf8');
  const sections = new Set(headingIds(doc));
  const broken: string[] = [];
  doc.split('\n').forEach((line, i) => {
    if (/^#{1,6}\s/.test(line)) return;
    for (const m of line.matchAll(new RegExp(String.raw`(?:§\s*|Appendix\s+)(${ID})`, 'g'))) {
      if (!sections.has(m[1]!)) broken.push(`docs/protocol.md:${i + 1}: ${m[0]}`);
    }
  });
  assert.deepEqual(broken, []);
});

test('every protocol.md § reference resolves to a heading of docs/protocol.md', () => {
  const sections = new Set(headingIds(readFileSync(DOC, 'utf8')));
  const files = scannedFiles();
  assert.ok(files.length > 100, `scanned only ${files.length} files`);
  const broken: string[] = [];
  let references = 0;
  for (const file of files) {
    for (const { id, line } of citedSections(readFileSync(file, 'utf8'))) {
      references++;
      if (!sections.has(id)) broken.push(`${relative(REPO_ROOT, file)}:${line}: §${id}`);
    }
  }
  assert.deepEqual(broken, [], 'references to sections docs/protocol.md does not have');
  assert.ok(references > 100, `found only ${references} references`);
});

test('nothing cites a document outside the repository', () => {
  // Spelled in pieces so that this file does not match itself.
  const outside = [
    new RegExp(['shared', 'spec'].join('/')),
    new RegExp(['wire', 'protocol\\.md'].join('-')),
    new RegExp(String.raw`\bspec` + String.raw`\s+(?:§|Appendix\b)`, 'i'),
  ];
  const offending: string[] = [];
  for (const file of scannedFiles()) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (outside.some((re) => re.test(line))) offending.push(`${relative(REPO_ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offending, []);
});
