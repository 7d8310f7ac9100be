/**
 * The flag dialect (docs/protocol.md §7.10): kcptunB's meanings by default, upstream
 * kcptun's under `--dialect kcptun` or as soon as a kcptun-only flag or JSON key is used;
 * what each maps to in the smux layer; the refusals.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, resolveConfig, type TunnelSettings } from '@kcptunb/control';
import { KCPTUNB_BIN } from '@kcptunb/testkit';

const dir = mkdtempSync(join(tmpdir(), 'kcptunb-dialect-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const jsonFile = (obj: unknown) => {
  const p = join(dir, `c${files++}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
};

function settings(side: 'client' | 'server', args: string[]): TunnelSettings {
  const r = resolveConfig(side, [side === 'client' ? '-r' : '-t', '127.0.0.1:4000', ...args], {});
  assert.equal(r.kind, 'run');
  return (r as { settings: TunnelSettings }).settings;
}

test('no kcptun-only flag: kcptunB meanings (streambuf = pause threshold, sockbuf = session budget, smux v1)', () => {
  const s = settings('client', ['--streambuf', '100000']);
  assert.equal(s.config.dialect, 'kcptunb');
  assert.deepEqual([s.smux.dialect, s.smux.version, s.smux.maxStreamBuffer, s.smux.maxReceiveBuffer, s.smux.keepAliveIntervalMs, s.smux.keepAliveTimeoutMs], ['kcptunb', 1, 100000, 4194304, 10000, 75000]);
});

test('a kcptun-only flag switches to kcptun meanings: stock smux, --streambuf the v2 window, --smuxbuf the budget, 30 s timeout', () => {
  const v1 = settings('client', ['--smuxver', '1', '--sockbuf', '1000000']);
  assert.equal(v1.config.dialect, 'kcptun');
  assert.deepEqual([v1.smux.dialect, v1.smux.version, v1.smux.enableStreamBuffer, v1.smux.streamWindow, v1.smux.maxReceiveBuffer, v1.smux.maxFrameSize], ['stock', 1, false, 2097152, 4194304, 8192]);
  assert.equal(v1.session.socket.sockBuf, 1000000, '--sockbuf still sizes the UDP sockets');
  assert.deepEqual([v1.smux.keepAliveIntervalMs, v1.smux.keepAliveTimeoutMs], [10000, 30000]);
  const v2 = settings('server', ['--framesize', '4096', '--smuxbuf', '8388608', '--streambuf', '1048576', '--keepalive', '5']);
  assert.deepEqual([v2.smux.version, v2.smux.maxFrameSize, v2.smux.maxReceiveBuffer, v2.smux.streamWindow, v2.smux.keepAliveIntervalMs], [2, 4096, 8388608, 1048576, 5000]);
  // --dialect kcptun alone: upstream's defaults (smux v2)
  const d = settings('client', ['--dialect', 'kcptun']);
  assert.deepEqual([d.smux.dialect, d.smux.version, d.smux.streamWindow], ['stock', 2, 2097152]);
});

test('-c files written for either binary run unchanged: upstream keys select kcptun, kcptunB keys kcptunB, "dialect" decides an ambiguous one', () => {
  const upstream = jsonFile({ localaddr: '127.0.0.1:1', remoteaddr: '127.0.0.1:2', key: 'k', crypt: 'aes-128-gcm', mode: 'fast3', smuxver: 1, smuxbuf: 4194304, streambuf: 2097152, keepalive: 10, tcp: false, qpp: false, 'qpp-count': 61, closewait: 0 });
  const u = settings('client', ['-c', upstream]);
  assert.deepEqual([u.config.dialect, u.smux.dialect, u.smux.version, u.session.crypt.method], ['kcptun', 'stock', 1, 'aes-128-gcm']);
  const kcptunb = jsonFile({ localaddr: '127.0.0.1:1', remoteaddr: '127.0.0.1:2', streambuf: 262144, 'streambuf-en': false, keepalivems: 20000 });
  const b = settings('client', ['-c', kcptunb]);
  assert.deepEqual([b.config.dialect, b.smux.dialect, b.smux.maxStreamBuffer, b.smux.enableStreamBuffer], ['kcptunb', 'kcptunb', 262144, false]);
  const ambiguous = jsonFile({ localaddr: '127.0.0.1:1', remoteaddr: '127.0.0.1:2', streambuf: 1048576, dialect: 'kcptun' });
  assert.equal(settings('client', ['-c', ambiguous]).smux.streamWindow, 1048576);
});

test('--ratelimit paces each session in the kcptun dialect (0 = off)', () => {
  assert.equal(settings('client', ['--ratelimit', '1000000']).session.rateLimit, 1000000);
  assert.equal(settings('client', ['--dialect', 'kcptun']).session.rateLimit, 0);
  assert.equal(settings('client', []).session.rateLimit, 0);
});

test('--closewait: seconds, upstream defaults per side in the kcptun dialect (client 0, server 30), 0 in the kcptunB dialect', () => {
  assert.equal(settings('client', ['--closewait', '5']).config.closeWait, 5);
  assert.equal(settings('server', ['--closewait', '0']).config.closeWait, 0);
  assert.equal(settings('server', ['--dialect', 'kcptun']).config.closeWait, 30);
  assert.equal(settings('client', ['--dialect', 'kcptun']).config.closeWait, 0);
  assert.equal(settings('server', []).config.closeWait, 0);
});

test('port ranges: the client\'s --remoteaddr and the server\'s --listen take host:min-max; min = max is one port', () => {
  assert.deepEqual(settings('client', ['-r', '1.2.3.4:3000-3010']).remote, { host: '1.2.3.4', port: 3000, lastPort: 3010 });
  assert.deepEqual(settings('server', ['-l', ':3000-3999']).listen, { host: '', port: 3000, lastPort: 3999 });
  assert.deepEqual(settings('server', ['-l', '[::1]:5-5']).listen, { host: '::1', port: 5 });
  assert.throws(() => resolveConfig('server', ['-t', '127.0.0.1:1000-1001'], {}), (e: unknown) => e instanceof ConfigError && /invalid --target .* only for/.test(e.message));
});

test('the client\'s --pprof is upstream\'s (kcptun dialect): a bare one binds loopback, and it selects the dialect', () => {
  const c = settings('client', ['--pprof']);
  assert.deepEqual([c.config.dialect, c.pprof], ['kcptun', { host: '127.0.0.1', port: 6060 }]);
  assert.equal(settings('client', []).pprof, undefined);
  assert.throws(() => resolveConfig('client', ['-r', '127.0.0.1:4000', '--pprof', '--keepalivems', '20000'], {}), (e: unknown) => e instanceof ConfigError && /kcptun-only --pprof and kcptunB-only --keepalivems/.test(e.message));
  assert.throws(() => resolveConfig('client', ['-r', '127.0.0.1:4000', '--dialect', 'kcptunb', '--pprof'], {}), (e: unknown) => e instanceof ConfigError && /--pprof is not a flag of the kcptunB dialect/.test(e.message));
  assert.equal(settings('server', ['--pprof']).config.dialect, 'kcptunb', 'the server has --pprof in both dialects');
});

test('refusals: mixed dialects, a foreign flag, --tcp, --QPP, a negative --ratelimit or --closewait, a bad --smuxver', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--smuxver', '2', '--keepalivems', '20000'], /kcptun-only --smuxver and kcptunB-only --keepalivems together: say --dialect/],
    [['--dialect', 'kcptunb', '--smuxbuf', '1'], /--smuxbuf is not a flag of the kcptunB dialect/],
    [['--dialect', 'kcptun', '--ser', 'raw'], /--ser is not a flag of the kcptun dialect/],
    [['--dialect', 'stock'], /invalid --dialect "stock"/],
    [['--tcp'], /--tcp: raw-socket fake TCP .* not supported/],
    [['--QPP'], /--QPP: Quantum Permutation Pads are not supported/],
    [['--ratelimit', '-1'], /invalid --ratelimit -1/],
    [['--closewait', '-1'], /invalid --closewait -1: expected seconds in \[0, 86400\]/],
    [['--closewait', '86401'], /invalid --closewait 86401/],
    [['--smuxver', '3'], /invalid --smuxver 3: expected 1 or 2/],
    [['--dialect', 'kcptun', '--keepalive', '40'], /invalid --keepalive/],
    [['-r', '1.2.3.4:3010-3000'], /invalid --remoteaddr "1.2.3.4:3010-3000": port range 3010-3000 is not minport-maxport within 1-65535/],
    [['-r', '1.2.3.4:0-10'], /port range 0-10 is not minport-maxport/],
    [['-l', '127.0.0.1:3000-3010'], /invalid --localaddr "127.0.0.1:3000-3010": port ranges \(host:minport-maxport\) are only for/],
  ];
  for (const [args, re] of bad) assert.throws(() => resolveConfig('client', ['-r', '127.0.0.1:4000', ...args], {}), (e: unknown) => e instanceof ConfigError && re.test(e.message), args.join(' '));
});

test('the real CLI: --tcp is one stderr line and exit code 2, before anything starts', () => {
  for (const side of ['client', 'server']) {
    const r = spawnSync(process.execPath, [KCPTUNB_BIN, side, '--tcp'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.split('\n').filter(Boolean), ['kcptunb: --tcp: raw-socket fake TCP (tcpraw) is not supported; use plain UDP']);
  }
});
