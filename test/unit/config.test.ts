/** The kcptunB command-line surface: every flag's default per side, aliases, parsing dialect, JSON precedence, errors, and the layer settings the flags map to. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveKey } from '@kcptunb/crypt';
import { ConfigError, FLAGS, flagsFor, helpText, resolveConfig, type TunnelConfig, type TunnelSettings } from '@kcptunb/control';

function resolved(side: 'client' | 'server', args: string[], env: NodeJS.ProcessEnv = {}): TunnelSettings {
  const r = resolveConfig(side, args, env);
  if (r.kind !== 'run') assert.fail(`${side} ${args.join(' ')}: ${r.kind}`);
  assert.equal(r.settings.config, r.config);
  return r.settings;
}

function run(side: 'client' | 'server', args: string[], env: NodeJS.ProcessEnv = {}): TunnelConfig {
  return resolved(side, args, env).config;
}

const profileOf = (s: TunnelSettings) => [s.session.kcp.nodelay, s.session.kcp.interval, s.session.kcp.resend, s.session.kcp.nc];
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

test('defaults per side (docs/protocol.md §7.9)', () => {
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
    // the flag-level view keeps the hidden manual defaults; the KCP settings get mode fast
    assert.deepEqual([x.noDelay, x.interval, x.resend, x.noCongestion], [0, 50, 0, 0]);
  }
  for (const side of ['client', 'server'] as const) assert.deepEqual(profileOf(resolved(side, [])), [0, 30, 2, 1], side);
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
    // the kcptun dialect rows: values that run (unsupported features only at their off value)
    dialect: ['kcptun', 'kcptun'],
    smuxver: ['1', 1],
    ratelimit: ['0', 0],
    closewait: ['0', 0],
    QPP: ['false', false],
    tcp: ['false', false],
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
});

test('KCPTUN_KEY is used when --key is absent; --key wins', () => {
  assert.equal(run('client', [], { KCPTUN_KEY: 'from-env' }).key, 'from-env');
  assert.equal(run('client', ['--key', 'cli'], { KCPTUN_KEY: 'from-env' }).key, 'cli');
});

test('JSON -c overrides the command line, then the mode profile, then keepalive fallback', () => {
  const file = jsonFile({ mtu: 1200, crypt: 'tea', 'streambuf-en': false, boosttimeout: 5, mode: 'fast3', nodelay: 0, interval: 99, dns: ['9.9.9.9:53'], unknownKey: 1 });
  const settings = resolved('server', ['-c', file, '--mtu', '1400', '--crypt', 'xor', '--mode', 'normal']);
  const s = settings.config;
  assert.equal(s.mtu, 1200);
  assert.equal(s.crypt, 'tea');
  assert.equal(s.streamBufEnabled, false);
  assert.equal(s.streamBoost, 5);
  assert.equal(s.mode, 'fast3');
  assert.deepEqual(profileOf(settings), [1, 10, 2, 1], 'named modes overwrite JSON nodelay/interval');
  assert.deepEqual(s.dns, ['9.9.9.9:53']);
  const manual = resolved('client', ['-c', jsonFile({ mode: 'manual', nodelay: 1, interval: 15, resend: 1, nc: 1 })]);
  assert.deepEqual(profileOf(manual), [1, 15, 1, 1]);
  const fallback = resolved('client', ['--keepalivems', '0', '--keepalive', '7']);
  assert.equal(fallback.smux.keepAliveIntervalMs, 7000);
  assert.equal(resolved('client', ['--keepalivems', '3000', '--keepalive', '7']).smux.keepAliveIntervalMs, 3000);
  const jsonOnly = run('client', ['-c', jsonFile({ localaddr: '127.0.0.1:5', remoteaddr: 'h:1', conn: 4, autoexpire: 9, scavengettl: -1 })]);
  assert.deepEqual([jsonOnly.listen, jsonOnly.remote, jsonOnly.conn, jsonOnly.autoExpire, jsonOnly.scavengeTtl], ['127.0.0.1:5', 'h:1', 4, 9, -1]);
});

test('every JSON key of docs/protocol.md §7.8, and the kcptun dialect keys of §7.10, is accepted on its side', () => {
  const kcptunKeys = ' metrics dashboard dialect smuxver smuxbuf framesize ratelimit closewait qpp qpp-count tcp';
  // kcptunb's own keys (docs/deviations.md) and the kcptun dialect's; the client's pprof is upstream's (kcptun dialect only)
  const clientKeys = `localaddr remoteaddr key crypt mode conn autoexpire scavengettl mtu sndwnd rcvwnd datashard parityshard dscp nocomp acknodelay nodelay interval resend nc log snmplog snmpperiod quiet keepalive keepalivems keepalive-timeout sockbuf streambuf streambuf-en boosttimeout maxframe pipebuf ser tfo pprof${kcptunKeys}`.split(' ');
  const serverKeys = `listen target key crypt mode mtu sndwnd rcvwnd datashard parityshard dscp nocomp acknodelay nodelay interval resend nc log snmplog snmpperiod pprof quiet keepalive keepalivems keepalive-timeout sockbuf streambuf streambuf-en boosttimeout maxframe pipebuf dns ser tfo${kcptunKeys}`.split(' ');
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
    ['client', ['--mtu', '40'], /--mtu 40.*\[50, 1500\]/],
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
    // each layer's own verify, reported under the flag's name
    ['client', ['--mtu', '10'], /^invalid --mtu 10: /],
    ['server', ['--ds', '300'], /^invalid --datashard 300: .*\[0, 256\]/],
    ['client', ['--dscp', '64'], /^invalid --dscp 64: .*\[0, 63\]/],
    ['client', ['--sockbuf', '0'], /^invalid --sockbuf 0: /],
    ['client', ['--mode', 'manual', '--nodelay', '3'], /^invalid --nodelay 3: /],
    ['client', ['--mode', 'manual', '--nc', '2'], /^invalid --nc 2: /],
    ['server', ['--mode', 'manual', '--interval', '-1'], /^invalid --interval -1: /],
    ['client', ['--streambuf', '0'], /^invalid --streambuf 0: /],
    ['client', ['--maxframe', '65536'], /^invalid --maxframe 65536: .*65535/],
    ['server', ['--keepalive-timeout', '0'], /^invalid --keepalive-timeout 0: /],
    ['client', ['--pipebuf', '0'], /^invalid --pipebuf 0: /],
    ['client', ['--streamboost', '-1'], /^invalid --streamboost -1: /],
    // options only the control runtime reads
    ['client', ['--keepalive', '-1'], /^invalid --keepalive -1: /],
    ['server', ['--snmpperiod', '-1'], /^invalid --snmpperiod -1: /],
    ['client', ['--scavengettl', '-2'], /^invalid --scavengettl -2: /],
    ['client', ['--autoexpire', '-1'], /^invalid --autoexpire -1: /],
    // addresses, each under its side's flag name
    ['client', ['-l', '127.0.0.1:99999'], /^invalid --localaddr "127.0.0.1:99999": port 99999 is out of range/],
    ['client', ['-r', 'host:0'], /^invalid --remoteaddr "host:0": port 0 is out of range \(1-65535\)/],
    ['server', ['-l', ':0'], /^invalid --listen ":0": port 0 is out of range/],
    ['server', ['-t', ':80'], /^invalid --target ":80": missing host/],
    ['server', ['--dns', '8.8.8.8'], /^invalid --dns "8.8.8.8": missing port/],
    ['server', ['--dns', 'dns.google:53'], /^invalid --dns "dns.google:53": .*not an IP address/],
  ];
  for (const [side, args, re] of bad) {
    assert.throws(() => resolveConfig(side, args, {}), (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && re.test(e.message) && !e.message.includes('\n'), `${side} ${args.join(' ')}`);
  }
});

test('the settings of each layer, mapped from the flags', () => {
  const c = resolved('client', ['-l', '[::1]:0', '-r', 'example.net:4000', '--mtu', '1200', '--sndwnd', '64', '--acknodelay', '--ds', '0', '--ps', '2', '--crypt', 'salsa20', '--key', 'k', '--nocomp', '--sockbuf', '65536', '--dscp', '46']);
  assert.deepEqual(c.listen, { host: '::1', port: 0 });
  assert.deepEqual(c.remote, { host: 'example.net', port: 4000 });
  assert.deepEqual(Object.keys(c.session).sort(), ['compression', 'crypt', 'fec', 'kcp', 'rateLimit', 'socket']);
  assert.deepEqual(c.session.kcp, { mtu: 1200, sndWnd: 64, rcvWnd: 512, nodelay: 0, interval: 30, resend: 2, nc: 1, ackNoDelay: true });
  assert.deepEqual(c.session.fec, { dataShards: 0, parityShards: 2 });
  assert.equal(c.session.crypt.method, 'salsa20');
  assert.deepEqual(c.session.crypt.key, deriveKey('k'));
  assert.equal(c.session.compression, false);
  assert.equal(resolved('client', []).session.compression, true);
  assert.deepEqual(c.session.socket, { sockBuf: 65536, dscp: 46 });
  assert.equal(c.smux.maxReceiveBuffer, 65536, '--sockbuf is also the smux receive budget');
  const s = resolved('server', ['--streambuf-en=0', '--streambuf', '1000', '--streamboost', '5', '--maxframe', '4096', '--pipebuf', '2048', '--keepalive-timeout', '9000', '--dns', '9.9.9.9:53,[2620:fe::fe]:53']);
  assert.deepEqual(
    [s.smux.enableStreamBuffer, s.smux.maxStreamBuffer, s.smux.boostTimeoutMs, s.smux.maxFrameSize, s.smux.writeHighWaterMark, s.smux.keepAliveTimeoutMs],
    [false, 1000, 5, 4096, 2048, 9000],
  );
  assert.deepEqual(s.listen, { host: '', port: 29900 });
  assert.deepEqual(s.dns, [{ host: '9.9.9.9', port: 53 }, { host: '2620:fe::fe', port: 53 }]);
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
