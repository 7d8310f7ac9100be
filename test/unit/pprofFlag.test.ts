/** `--pprof [ADDR]`: kcptunB's boolean forms still work and mean loopback; an address form; JSON; bad addresses; the help warns about secrets. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, helpText, resolveConfig, type TunnelSettings } from '@kcptunb/control';

const dir = mkdtempSync(join(tmpdir(), 'kcptunb-pprof-flag-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function server(args: string[]): TunnelSettings {
  const r = resolveConfig('server', args, {});
  if (r.kind !== 'run') assert.fail(`server ${args.join(' ')}: ${r.kind}`);
  return r.settings;
}

let files = 0;
function json(obj: unknown): string {
  const p = join(dir, `c${files++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

test('a bare --pprof and its boolean spellings bind 127.0.0.1:6060; off by default and with =false', () => {
  assert.equal(server([]).pprof, undefined);
  for (const args of [['--pprof'], ['-pprof'], ['--pprof=true'], ['--pprof=1'], ['--pprof', '--quiet'], ['--quiet', '--pprof']]) {
    assert.deepEqual(server(args).pprof, { host: '127.0.0.1', port: 6060 }, args.join(' '));
  }
  assert.equal(server(['--pprof', '--quiet']).config.quiet, true, 'the next flag is not taken as the address');
  for (const args of [['--pprof=false'], ['--pprof=0'], ['--pprof', '--pprof=f']]) assert.equal(server(args).pprof, undefined, args.join(' '));
});

test('--pprof ADDR and --pprof=ADDR choose the address (IPv6 bracketed, :port = every interface)', () => {
  assert.deepEqual(server(['--pprof', '127.0.0.1:7070']).pprof, { host: '127.0.0.1', port: 7070 });
  assert.deepEqual(server(['--pprof=[::1]:7071', '-l', ':4000']).pprof, { host: '::1', port: 7071 });
  assert.deepEqual(server(['--pprof', '[::1]:7072']).pprof, { host: '::1', port: 7072 });
  assert.deepEqual(server(['--pprof', ':6060']).pprof, { host: '', port: 6060 });
  assert.deepEqual(server(['--pprof', 'localhost:0']).pprof, { host: 'localhost', port: 0 });
});

test('JSON "pprof": true | false | "ADDR"', () => {
  assert.deepEqual(server(['-c', json({ pprof: true })]).pprof, { host: '127.0.0.1', port: 6060 });
  assert.equal(server(['--pprof', '-c', json({ pprof: false })]).pprof, undefined);
  assert.deepEqual(server(['-c', json({ pprof: '127.0.0.2:6061' })]).pprof, { host: '127.0.0.2', port: 6061 });
  assert.throws(() => server(['-c', json({ pprof: 6060 })]), (e) => e instanceof ConfigError && /must be a string or a boolean/.test(e.message));
});

test('a bad --pprof address is a ConfigError naming the flag; the client\'s --pprof is the kcptun dialect\'s only', () => {
  assert.throws(() => server(['--pprof=127.0.0.1:99999']), (e) => e instanceof ConfigError && /--pprof/.test(e.message));
  assert.throws(() => server(['--pprof=nohost']), (e) => e instanceof ConfigError && /--pprof/.test(e.message));
  // a bare word after --pprof is not its value (only host:port is), so it is an unexpected argument
  assert.throws(() => server(['--pprof', 'yes']), (e) => e instanceof ConfigError && /unexpected argument "yes"/.test(e.message));
  assert.throws(() => resolveConfig('client', ['--dialect', 'kcptunb', '--pprof'], {}), (e) => e instanceof ConfigError && /--pprof is not a flag of the kcptunB dialect/.test(e.message));
});

test('server -h shows the optional address and says the heap snapshot holds the key', () => {
  const line = helpText('server').split('\n').find((l) => l.includes('--pprof'));
  assert.ok(line, 'help lists --pprof');
  assert.match(line, /--pprof \[addr\]/);
  assert.match(helpText('server'), /heap snapshot holds[\s\S]*--key/);
  assert.match(helpText('server'), /127\.0\.0\.1:6060/);
});
