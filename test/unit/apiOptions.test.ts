/** The library's options are the flag table's (api/options.ts): one option per flag, the same defaults, the same settings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_OPTIONS, flagsFor, optionName, optionNames, resolveConfig, resolveOptions, SERVER_OPTIONS, type TunnelSettings } from '@kcptunb/control';

const tables = { client: CLIENT_OPTIONS, server: SERVER_OPTIONS } as const;

function settingsOf(side: 'client' | 'server', argv: string[]): TunnelSettings {
  const r = resolveConfig(side, argv, {});
  assert.equal(r.kind, 'run');
  return r.settings;
}

test('every flag of a side but -c is an option named after it (dashes camel-cased), setting the same field', () => {
  for (const side of ['client', 'server'] as const) {
    const flags = flagsFor(side).filter((f) => f.name !== 'c');
    const expected = Object.fromEntries(flags.map((f) => [optionName(f.name), f.field]));
    assert.deepEqual({ ...tables[side] }, expected, side);
    assert.deepEqual(optionNames(side).slice(0, flags.length).sort(), Object.keys(expected).sort());
  }
  assert.equal(optionName('streambuf-en'), 'streambufEn');
  assert.equal(optionName('keepalive-timeout'), 'keepaliveTimeout');
  assert.equal(optionName('QPPCount'), 'QPPCount');
});

test('no options = the flag defaults of that side; options = the same settings as the flags', () => {
  for (const side of ['client', 'server'] as const) assert.deepEqual(resolveOptions(side, {}).settings, settingsOf(side, []), side);
  const client = resolveOptions('client', { remoteaddr: '127.0.0.1:4000', sndwnd: 256, nocomp: true, streambufEn: false, keepaliveTimeout: 30000, mode: 'fast3', conn: 3 });
  assert.deepEqual(client.settings, settingsOf('client', ['-r', '127.0.0.1:4000', '--sndwnd', '256', '--nocomp', '--streambuf-en=0', '--keepalive-timeout', '30000', '--mode', 'fast3', '--conn', '3']));
  assert.deepEqual([...client.given].sort(), ['conn', 'keepaliveTimeout', 'mode', 'nocomp', 'remoteaddr', 'sndwnd', 'streambufEn']);
  // a kcptun-only option selects the kcptun dialect, as its flag does
  const server = resolveOptions('server', { target: '127.0.0.1:22', smuxver: 1, maxsessions: 64, pprof: true });
  assert.deepEqual(server.settings, settingsOf('server', ['-t', '127.0.0.1:22', '--smuxver', '1', '--maxsessions', '64', '--pprof']));
  assert.equal(server.settings.config.dialect, 'kcptun');
  assert.deepEqual(resolveOptions('server', { dns: ['8.8.8.8:53', '1.1.1.1:53'] }).settings, settingsOf('server', ['--dns', '8.8.8.8:53,1.1.1.1:53']));
  assert.throws(() => resolveOptions('server', { smuxver: 1, dns: ['8.8.8.8:53'] }), { message: 'kcptun-only --smuxver and kcptunB-only --dns together: say --dialect kcptun or --dialect kcptunb' });
  // the API does not read KCPTUN_KEY (the CLI does)
  assert.equal(resolveOptions('client', {}).settings.config.key, settingsOf('client', []).config.key);
});
