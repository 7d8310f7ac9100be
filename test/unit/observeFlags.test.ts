/** `--metrics ADDR` and `--dashboard ADDR` on both sides: a bare port is loopback, JSON keys, bad addresses, help. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, helpText, resolveConfig, type TunnelSettings } from '@kcptunb/control';

const dir = mkdtempSync(join(tmpdir(), 'kcptunb-observe-flag-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(side: 'client' | 'server', args: string[]): TunnelSettings {
  const r = resolveConfig(side, args, {});
  if (r.kind !== 'run') assert.fail(`${side} ${args.join(' ')}: ${r.kind}`);
  return r.settings;
}

let files = 0;
function json(obj: unknown): string {
  const p = join(dir, `c${files++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

for (const flag of ['metrics', 'dashboard'] as const) {
  test(`--${flag}: off by default; a bare port binds 127.0.0.1, host:port and :port as given, on both sides`, () => {
    for (const side of ['client', 'server'] as const) {
      assert.equal(run(side, [])[flag], undefined);
      assert.deepEqual(run(side, [`--${flag}`, '9100'])[flag], { host: '127.0.0.1', port: 9100 });
      assert.deepEqual(run(side, [`--${flag}=0`])[flag], { host: '127.0.0.1', port: 0 });
      assert.deepEqual(run(side, [`--${flag}`, '127.0.0.2:9101'])[flag], { host: '127.0.0.2', port: 9101 });
      assert.deepEqual(run(side, [`--${flag}`, '[::1]:9102'])[flag], { host: '::1', port: 9102 });
      assert.deepEqual(run(side, [`--${flag}`, ':9103'])[flag], { host: '', port: 9103 }, ':port is an explicit every-interface choice');
      assert.deepEqual(run(side, ['-c', json({ [flag]: '9104' })])[flag], { host: '127.0.0.1', port: 9104 });
    }
  });

  test(`a bad --${flag} address is one ConfigError naming the flag`, () => {
    for (const bad of ['99999', 'nohost', '127.0.0.1:x', '::1:80']) {
      assert.throws(() => run('client', [`--${flag}`, bad]), (e) => e instanceof ConfigError && e.exitCode === 2 && new RegExp(`^invalid --${flag} `).test(e.message), bad);
    }
  });

  test(`-h lists --${flag} on both sides`, () => {
    for (const side of ['client', 'server'] as const) {
      const line = helpText(side).split('\n').find((l) => l.includes(`--${flag}`));
      assert.ok(line, `${side} help lists --${flag}`);
      assert.match(line, new RegExp(`--${flag} <addr>`));
    }
  });
}
