/** Every address form the flags take, good and bad, under each side's rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, parseAddress, type AddressRules, type HostPort } from '@kcptunb/control';

const LISTEN_CLIENT: AddressRules = { anyHost: true, portZero: true };
const LISTEN_SERVER: AddressRules = { anyHost: true, portZero: false };
const DIAL: AddressRules = { anyHost: false, portZero: false };
const RESOLVER: AddressRules = { anyHost: false, portZero: false, ipOnly: true };

const good: Array<[string, AddressRules, HostPort]> = [
  ['127.0.0.1:4000', DIAL, { host: '127.0.0.1', port: 4000 }],
  ['vps:29900', DIAL, { host: 'vps', port: 29900 }],
  ['my-host.example.com.:1', DIAL, { host: 'my-host.example.com.', port: 1 }],
  ['[::1]:65535', DIAL, { host: '::1', port: 65535 }],
  ['[fe80::1%eth0]:80', DIAL, { host: 'fe80::1%eth0', port: 80 }],
  ['[::]:29900', LISTEN_SERVER, { host: '::', port: 29900 }],
  [':12948', LISTEN_CLIENT, { host: '', port: 12948 }],
  [':29900', LISTEN_SERVER, { host: '', port: 29900 }],
  // net.Listen semantics: the kernel picks a port
  ['127.0.0.1:0', LISTEN_CLIENT, { host: '127.0.0.1', port: 0 }],
  [':0', LISTEN_CLIENT, { host: '', port: 0 }],
  ['[::1]:0', LISTEN_CLIENT, { host: '::1', port: 0 }],
  // Go's port parsing takes leading zeros
  ['h:080', DIAL, { host: 'h', port: 80 }],
  ['8.8.8.8:53', RESOLVER, { host: '8.8.8.8', port: 53 }],
  ['[2001:4860:4860::8888]:53', RESOLVER, { host: '2001:4860:4860::8888', port: 53 }],
];

const bad: Array<[string, AddressRules, RegExp]> = [
  ['127.0.0.1:99999', LISTEN_CLIENT, /port 99999 is out of range \(0-65535\)/],
  ['127.0.0.1:65536', DIAL, /port 65536 is out of range \(1-65535\)/],
  ['host:0', DIAL, /port 0 is out of range \(1-65535\)/],
  ['127.0.0.1:0', LISTEN_SERVER, /port 0 is out of range/],
  ['[::1]:70000', LISTEN_CLIENT, /port 70000 is out of range/],
  ['[::1]', DIAL, /missing port/],
  ['[::1]:', DIAL, /missing port/],
  ['[::1]80', DIAL, /expected \[IPv6\]:port/],
  ['[vps]:80', DIAL, /not an IPv6 address/],
  ['[]:80', LISTEN_CLIENT, /not an IPv6 address/],
  // ambiguous: the address ::1 port 80, or the address ::1:80 with no port
  ['::1:80', DIAL, /IPv6 address needs brackets/],
  ['::1', LISTEN_CLIENT, /IPv6 address needs brackets/],
  ['a:b:c', DIAL, /too many colons/],
  [':80', DIAL, /missing host/],
  ['', DIAL, /missing port/],
  ['vps', DIAL, /missing port/],
  ['vps:', DIAL, /missing port/],
  ['vps:http', DIAL, /port "http" is not a number/],
  ['vps:+80', DIAL, /port "\+80" is not a number/],
  ['vps:8 0', DIAL, /port "8 0" is not a number/],
  ['1.2.3.999:80', DIAL, /neither an IP address nor a host name/],
  ['1.2.3:80', DIAL, /neither an IP address nor a host name/],
  ['bad host:80', DIAL, /neither an IP address nor a host name/],
  ['-vps:80', DIAL, /neither an IP address nor a host name/],
  ['dns.google:53', RESOLVER, /not an IP address/],
];

test('good addresses parse into host and port', () => {
  for (const [text, rules, expected] of good) {
    const r = parseAddress(text, rules);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.reason}`);
    assert.deepEqual(r.address, expected, text);
  }
});

test('bad addresses are refused with the reason', () => {
  for (const [text, rules, reason] of bad) {
    const r = parseAddress(text, rules);
    assert.ok(!r.ok, `${text} should be refused`);
    assert.match(r.reason, reason, text);
  }
});

test('formatAddress is the inverse of parseAddress', () => {
  for (const [text, rules, expected] of good) {
    const again = parseAddress(formatAddress(expected), rules);
    assert.ok(again.ok, text);
    assert.deepEqual(again.address, expected, text);
  }
  assert.equal(formatAddress({ host: '::1', port: 53 }), '[::1]:53');
  assert.equal(formatAddress({ host: '1.1.1.1', port: 53 }), '1.1.1.1:53');
});
