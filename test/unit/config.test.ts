/** The kcptunB command-line surface: every flag's default per side, aliases, parsing dialect, JSON precedence, errors. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FLAGS, flagsFor, helpText, resolveConfig, type TunnelConfig } from '@kcptunb/control';

function run(side: 'client' | 'server', args: string[], env: NodeJS.ProcessEnv = {}): TunnelConfig {
  const r = resolveConfig(side, args, env);
  assert.equal(r.kind, 'run');
  return (r as { config: TunnelConfig }).config;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function jsonFile(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcptunb-config-'));
  dirs.push(dir);
  const p = join(dir, 'c.json');
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

test('defaults per side (spec §7.9)', () => {
  const c = run('client', []);
  const s = run('server', []);
  assert.deepEqual(
    [c.listen, c.remote, c.key, c.crypt, c.mode, c.conn, c.autoExpire, c.scavengeTtl, c.mtu, c.sndWnd, c.rcvWnd, c.dataShard, c.parityShard],
    [':12948', 'vps:29900', "it's a secrect", 'aes', 'fast', 1, 0, 600, 1350, 128, 512, 10, 3],
  );
  assert.deepEqual([s.listen, s.remote, s.sndWnd, s.rcvWnd], [':29900', '127.0.0.1:12948', 1024, 1024]);
  for (const x of [c, s]) {
    assert.deepEqual(
      [x.dscp, x.noComp, x.ackNoDelay, x.sockBuf, x.streamBufEnabled, x.streamBuf, x.streamBoost, x.maxFrame, x.pipeBuf, x.keepAlive, x.keepAliveMs, x.keepAliveTimeout, x.ser, x.snmpLog, x.snmpPeriod, x.tfo, x.quiet],
      [0, false, false, 4194304, true, 262144, 10000, 32767, 262144, 10, 10000, 75000, 'raw', '', 60, true, false],
    );
    // mode fast applied over the hidden manual defaults 0/50/0/0
    assert.deepEqual([x.noDelay, x.interval, x.resend, x.noCongestion], [0, 30, 2, 1]);
  }
});

test('every flag: parsed value, alias, one- and two-dash spelling', () => {
  const samples: Record<string, [string, unknown]> = {
    string: ['1.2.3.4:99', '1.2.3.4:99'],
    int: ['7', 7],
    bool: ['true', true],
    list: ['8.8.8.8:53,1.1.1.1:53', ['8.8.8.8:53', '1.1.1.1:53']],
  };
  const special: Record<string, [string, unknown]> = {
    crypt: ['salsa20', 'salsa20'],
    mode: ['manual', 'manual'],
    ser: ['raw', 'raw'],
    mtu: ['1400', 1400],
    localaddr: ['127.0.0.1:1', '127.0.0.1:1'],
    listen: ['127.0.0.1:2', '127.0.0.1:2'],
    key: ['sekrit', 'sekrit'],
    snmplog: ['/tmp/x.log', '/tmp/x.log'],
    log: ['/tmp/y.log', '/tmp/y.log'],
    nodelay: ['1', 1],
    nc: ['1', 1],
    keepalivems: ['20000', 20000],
    c: ['', ''],
    dscp: ['46', 46],
    resend: ['3', 3],
    interval: ['20', 20],
  };
  for (const side of ['client', 'server'] as const) {
    for (const f of flagsFor(side)) {
      const [text, expected] = special[f.name] ?? samples[f.kind]!;
      const extra = f.name === 'mode' || ['nodelay', 'nc', 'resend', 'interval'].includes(f.name) ? ['--mode', 'manual'] : [];
      for (const spelled of [f.name, ...(f.aliases ?? [])]) {
        for (const dashes of ['-', '--']) {
          for (const form of ['=', ' ']) {
            if (f.kind === 'bool' && form === ' ') continue;
            const args = form === '=' ? [`${dashes}${spelled}=${text}`] : [`${dashes}${spelled}`, text];
            const c = run(side, [...extra, ...args]);
            assert.deepEqual(c[f.field], expected, `${side} ${args.join(' ')}`);
          }
        }
      }
    }
  }
});

test('booleans: bare means true; =0/=false switch defaults-on flags off (kcptunB style)', () => {
  assert.equal(run('client', ['--nocomp']).noComp, true);
  assert.equal(run('client', ['--streambuf-en=0']).streamBufEnabled, false);
  assert.equal(run('client', ['-streambuf-en=false']).streamBufEnabled, false);
  assert.equal(run('server', ['--tfo=0']).tfo, false);
  assert.equal(run('server', ['--pprof']).pprof, true);
});

test('KCPTUN_KEY is used when --key is absent; --key wins', () => {
  assert.equal(run('client', [], { KCPTUN_KEY: 'from-env' }).key, 'from-env');
  assert.equal(run('client', ['--key', 'cli'], { KCPTUN_KEY: 'from-env' }).key, 'cli');
});

test('JSON -c overrides the command line, then the mode profile, then keepalive fallback', () => {
  const file = jsonFile({ mtu: 1200, crypt: 'tea', 'streambuf-en': false, boosttimeout: 5, mode: 'fast3', nodelay: 0, interval: 99, dns: ['9.9.9.9:53'], unknownKey: 1 });
  const s = run('server', ['-c', file, '--mtu', '1400', '--crypt', 'xor', '--mode', 'normal']);
  assert.equal(s.mtu, 1200);
  assert.equal(s.crypt, 'tea');
  assert.equal(s.streamBufEnabled, false);
  assert.equal(s.streamBoost, 5);
  assert.equal(s.mode, 'fast3');
  assert.deepEqual([s.noDelay, s.interval, s.resend, s.noCongestion], [1, 10, 2, 1], 'named modes overwrite JSON nodelay/interval');
  assert.deepEqual(s.dns, ['9.9.9.9:53']);
  const manual = run('client', ['-c', jsonFile({ mode: 'manual', nodelay: 1, interval: 15, resend: 1, nc: 1 })]);
  assert.deepEqual([manual.noDelay, manual.interval, manual.resend, manual.noCongestion], [1, 15, 1, 1]);
  const fallback = run('client', ['--keepalivems', '0', '--keepalive', '7']);
  assert.equal(fallback.keepAliveMs, 7000);
  const jsonOnly = run('client', ['-c', jsonFile({ localaddr: '127.0.0.1:5', remoteaddr: 'h:1', conn: 4, autoexpire: 9, scavengettl: -1 })]);
  assert.deepEqual([jsonOnly.listen, jsonOnly.remote, jsonOnly.conn, jsonOnly.autoExpire, jsonOnly.scavengeTtl], ['127.0.0.1:5', 'h:1', 4, 9, -1]);
});

test('every JSON key of spec §7.8 is accepted on its side', () => {
  const clientKeys = 'localaddr remoteaddr key crypt mode conn autoexpire scavengettl mtu sndwnd rcvwnd datashard parityshard dscp nocomp acknodelay nodelay interval resend nc log snmplog snmpperiod quiet keepalive keepalivems keepalive-timeout sockbuf streambuf streambuf-en boosttimeout maxframe pipebuf ser tfo'.split(' ');
  const serverKeys = 'listen target key crypt mode mtu sndwnd rcvwnd datashard parityshard dscp nocomp acknodelay nodelay interval resend nc log snmplog snmpperiod pprof quiet keepalive keepalivems keepalive-timeout sockbuf streambuf streambuf-en boosttimeout maxframe pipebuf dns ser tfo'.split(' ');
  for (const [side, keys] of [['client', clientKeys], ['server', serverKeys]] as const) {
    const have = flagsFor(side).map((f) => f.json).filter(Boolean).sort();
    assert.deepEqual(have, [...keys].sort(), side);
  }
});

test('bad input: one clear ConfigError naming the flag and the allowed values', () => {
  const bad: Array<['client' | 'server', string[], RegExp]> = [
    ['client', ['--bogus'], /not defined: -bogus/],
    ['client', ['--crypt', 'rot13'], /--crypt "rot13".*aes, aes-128/],
    ['client', ['--mode', 'turbo'], /--mode "turbo".*fast3/],
    ['client', ['--mtu', '40'], /--mtu 40.*50 to 1500/],
    ['client', ['--mtu', '1501'], /--mtu 1501/],
    ['client', ['--ds', '200', '--ps', '57'], /together at most 256/],
    ['client', ['--sndwnd', '0'], /--sndwnd 0/],
    ['server', ['--rcvwnd', '-1'], /--rcvwnd -1/],
    ['client', ['--keepalivems', '0', '--keepalive', '0'], /--keepalivems 0/],
    ['client', ['--conn', '0'], /--conn 0/],
    ['client', ['--mtu', 'abc'], /not an integer/],
    ['client', ['--nocomp=maybe'], /invalid boolean/],
    ['client', ['--ser', 'fast'], /--ser "fast".*raw, socks5, http/],
    ['server', ['--ser', 'socks5'], /--ser "socks5".*raw, fast/],
    ['server', ['--conn', '2'], /not defined: -conn/],
    ['client', ['-c', '/nonexistent/kcptunb.json'], /cannot read config file/],
    ['client', ['-c', jsonFile('{ not json')], /cannot read config file/],
    ['client', ['-c', jsonFile({ mtu: 'big' })], /"mtu" in .* must be an integer/],
    ['client', ['--mtu'], /needs an argument/],
    ['client', ['stray'], /unexpected argument/],
  ];
  for (const [side, args, re] of bad) {
    assert.throws(() => resolveConfig(side, args, {}), (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && re.test(e.message) && !e.message.includes('\n'), `${side} ${args.join(' ')}`);
  }
});

test('-h lists every visible kcptunB flag of the side; -v asks for the version', () => {
  for (const side of ['client', 'server'] as const) {
    const text = helpText(side);
    for (const f of flagsFor(side)) {
      if (f.hidden) continue;
      assert.ok(text.includes(f.name.length === 1 ? `-${f.name}` : `--${f.name}`), `${side} help lists ${f.name}`);
    }
    assert.equal(resolveConfig(side, ['-h']).kind, 'help');
    assert.equal(resolveConfig(side, ['--version']).kind, 'version');
  }
  assert.ok(FLAGS.length > 30);
});
