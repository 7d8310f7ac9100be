/**
 * The CLI is built on the library API, not beside it: cli.ts starts tunnels only through
 * api/ (KcptunbClient, KcptunbServer), and nothing outside api/ constructs the runtime's
 * TunnelClient/TunnelServer — a second way to start a tunnel would drift from the documented one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@kcptunb/testkit';
import { importGraph, importsOf, stripComments } from '../support/importGraph.js';
import { readFileSync } from 'node:fs';

const SRC = join(REPO_ROOT, 'packages', 'control', 'src');

test('cli.ts imports the API and not the runtime client/server', () => {
  const imports = importsOf(stripComments(readFileSync(join(SRC, 'cli.ts'), 'utf8')));
  assert.ok(imports.includes('./api/client.js') && imports.includes('./api/server.js'), imports.join(', '));
  assert.ok(!imports.some((i) => /runtime\/(client|server)\.js$/.test(i)), imports.join(', '));
});

test('only api/ constructs TunnelClient or TunnelServer', () => {
  const { files } = importGraph(SRC);
  const constructing = files.filter((f) => /new Tunnel(Client|Server)\(/.test(f.code)).map((f) => relative(SRC, f.path));
  assert.ok(constructing.length > 0);
  for (const path of constructing) assert.match(path, /^api\//, path);
});
