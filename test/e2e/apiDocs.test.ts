/**
 * docs/api.md stays true: every ```js block in it runs as an ES module against the built package
 * (`import … from 'kcptunb'` resolves through a node_modules symlink to the repository root, the
 * publishable package), each in its own process, and must exit 0 on its own with nothing on
 * stderr (the library writes no log lines unless asked). The bundled types declare the API and a
 * TypeScript program using it type-checks.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup, REPO_ROOT } from '@kcptunb/testkit';

const group = new ProcessGroup();
after(() => group.cleanup());

/** The fenced ```js blocks of a markdown text, in order. */
function jsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** A directory where `kcptunb` resolves to this repository's package. */
function consumerDir(): string {
  const dir = group.tempDir('kcptunb-api-docs-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'kcptunb'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'api-docs-consumer', private: true, type: 'module' }));
  return dir;
}

const examples = jsBlocks(readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8'));

test('docs/api.md has its examples, each importing the package', () => {
  assert.ok(examples.length >= 6, `${examples.length} examples`);
  for (const code of examples) {
    assert.match(code, /from 'kcptunb'/);
    assert.match(code, /assert\./, 'every example asserts something');
    assert.doesNotMatch(code, /0\.0\.0\.0|localhost|::/, 'examples bind to 127.0.0.1');
  }
});

test('every docs/api.md example runs against the built package and ends by itself', { timeout: 300_000 }, () => {
  const dir = consumerDir();
  examples.forEach((code, i) => {
    const file = join(dir, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const firstLine = code.split('\n').find((l) => l.startsWith('const') || l.startsWith('//')) ?? '';
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const what = `example ${i + 1} (${firstLine.slice(0, 60)}…)`;
    assert.equal(r.error, undefined, `${what}: ${r.error?.message}`);
    assert.equal(r.status, 0, `${what} exited ${r.status} (signal ${r.signal})\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.stderr, '', `${what} wrote to stderr`);
  });
});

test('the bundled types declare createServer/createClient, and a program using them type-checks', { timeout: 120_000 }, () => {
  const dts = readFileSync(join(REPO_ROOT, 'dist', 'lib', 'index.d.ts'), 'utf8');
  for (const name of ['createServer', 'createClient', 'KcptunbClient', 'KcptunbServer', 'openStream', 'TunnelStats', 'KcptunbEvents']) assert.match(dts, new RegExp(`\\b${name}\\b`), name);
  const dir = consumerDir();
  writeFileSync(
    join(dir, 'use.ts'),
    [
      "import { createClient, createServer, type SessionInfo, type TunnelStats } from 'kcptunb';",
      "import type { Duplex } from 'node:stream';",
      "const server = createServer({ listen: '127.0.0.1:29900', sndwnd: 1024, nocomp: true, handler: (s: Duplex) => s.pipe(s) });",
      "const client = createClient({ remoteaddr: '127.0.0.1:29900', conn: 2, keepaliveTimeout: 30000 });",
      "client.on('session-open', (info: SessionInfo) => info.conv.toFixed());",
      'export async function use(): Promise<number> { const s: Duplex = await client.openStream(); s.end(); const t: TunnelStats = await client.stats(); await client.close({ drainMs: 0 }); await server.close(); return t.snmp.OutPkts + t.sessions.length; }',
      '// @ts-expect-error mtu is a number',
      "createClient({ mtu: '1350' });",
      '// @ts-expect-error target is a server option',
      "createClient({ target: '127.0.0.1:1' });",
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], typeRoots: [join(REPO_ROOT, 'node_modules', '@types')], skipLibCheck: false }, files: ['use.ts'] }),
  );
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8', timeout: 100_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
