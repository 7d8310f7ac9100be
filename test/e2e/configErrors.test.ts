/** The real CLI with a bad address or layer setting: exit code 2, one stderr line, and no start-up banner before it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KCPTUNB_BIN } from '@kcptunb/testkit';

/** Prefixes of the lines startTunnel logs (version, describe(), listening on). */
const BANNER = /^(\S+ \S+ )?(version|encryption|nodelay parameters|remote address|target|sndwnd|compression|mtu|datashard|listening on):/m;

const cases: Array<[string[], RegExp]> = [
  [['client', '-l', '127.0.0.1:99999', '-r', '127.0.0.1:4000'], /--localaddr "127\.0\.0\.1:99999": port 99999 is out of range/],
  [['client', '-r', 'host:0'], /--remoteaddr "host:0": port 0 is out of range/],
  [['client', '-l', '[::1]:70000'], /--localaddr "\[::1\]:70000": port 70000 is out of range/],
  [['client', '-r', '::1:80'], /--remoteaddr "::1:80": an IPv6 address needs brackets/],
  [['server', '-l', '127.0.0.1:99999', '-t', '127.0.0.1:4000'], /--listen "127\.0\.0\.1:99999": port 99999 is out of range/],
  [['server', '-t', 'localhost:0'], /--target "localhost:0": port 0 is out of range/],
  [['client', '--mtu', '10'], /--mtu 10: expected an integer in \[50, 1500\]/],
  [['server', '--ds', '300'], /--datashard 300: expected an integer in \[0, 256\]/],
];

test('configuration errors: exit code 2, one stderr line naming the problem, no banner', () => {
  for (const [args, problem] of cases) {
    const r = spawnSync(process.execPath, [KCPTUNB_BIN, ...args], { encoding: 'utf8', timeout: 10_000 });
    const what = `${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    assert.equal(r.status, 2, what);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, what);
    assert.match(r.stderr, new RegExp(`^kcptunb: invalid ${problem.source}`), what);
    assert.doesNotMatch(r.stdout + r.stderr, BANNER, what);
    assert.equal(r.stdout, '', what);
  }
});
