/**
 * The built-in proxy handshakes (docs/protocol.md §6), sans I/O: the exact bytes of the
 * spec's observed examples, every input cut at every byte boundary (one and
 * two cuts, byte by byte, and random partitions), pipelined greeting +
 * request + data, IPv6 and domain targets, every rejection with its reply
 * code, the tunnel reply on the client side, the dial result on the server
 * side, the client → `fast` server chain, and a never-throws fuzz.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import {
  AddressTypeError,
  FAST_REQUEST_LIMIT,
  FastServerHandshake,
  HTTP_CONNECT_ESTABLISHED,
  HTTP_HEADER_LIMIT,
  HttpProxyHandshake,
  HttpRequestError,
  InvalidTargetError,
  ProxyStateError,
  Socks5ClientHandshake,
  SocksCommandError,
  SocksNoAcceptableMethodError,
  SocksRep,
  SocksVersionError,
  TruncatedRequestError,
  TunnelReplyReader,
  dialErrorRep,
  dialErrorReply,
  formatIPv6,
  formatTarget,
  httpProxyHostPort,
  parseHostPort,
  socksReply,
  tunnelReplyOutcome,
  type ClientAnswer,
  type ClientStep,
  type FastServerStep,
  type ProxyTarget,
  type TunnelReplyOutcome,
} from '@kcptunb/control';

// ---- helpers -------------------------------------------------------------

function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}
function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
function text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}
/** Compare bytes regardless of Buffer vs Uint8Array. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assert.equal(toHex(actual), toHex(expected), message);
}

/** Cut `input` at the given sorted offsets. */
function cut(input: Uint8Array, at: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const i of [...at, input.length]) {
    parts.push(input.slice(from, i));
    from = i;
  }
  return parts;
}

/** Every way to cut `input` once and twice, plus one byte at a time (zero-length pieces included). */
function* partitions(input: Uint8Array): Generator<Uint8Array[]> {
  yield [input];
  for (let i = 0; i <= input.length; i++) yield cut(input, [i]);
  for (let i = 1; i < input.length; i++) for (let j = i; j < input.length; j++) yield cut(input, [i, j]);
  yield Array.from(input, (byte) => Uint8Array.of(byte));
}

/** A random partition of `input`, as fast-check cut offsets. */
const cutsOf = (length: number) => fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 12 }).map((a) => a.sort((x, y) => x - y));

const OK_REPLY = hex('05 00 00 01 00 00 00 00 00 00');
const okOutcome = (leftover: Uint8Array = new Uint8Array(0)): TunnelReplyOutcome => tunnelReplyOutcome(cat(OK_REPLY, leftover));

/** What a client handshake did with a sequence of pushes, in a comparable form. */
interface ClientRun {
  /** Everything the handshake asked to write to the app, in order. */
  reply: string;
  kind: ClientStep['kind'] | 'none';
  streamHead?: string;
  target?: ProxyTarget;
  error?: string;
  /** After `answer(ok)`: the bytes for the stream. */
  toStream?: string;
}

function runClient(make: () => Socks5ClientHandshake | HttpProxyHandshake, parts: Uint8Array[]): ClientRun {
  const hs = make();
  let reply = '';
  let decided: ClientStep | null = null;
  for (const part of parts) {
    const step = hs.push(part);
    reply += toHex(step.reply);
    if (step.kind === 'reject') return { reply, kind: 'reject', error: step.error.code };
    if (step.kind === 'connect') {
      assert.equal(decided, null, 'connect reported twice');
      decided = step;
    } else if (decided) assert.equal(step.kind, 'held');
  }
  if (!decided || decided.kind !== 'connect') return { reply, kind: 'need-more' };
  const answer = hs.answer(okOutcome());
  assert.ok(answer.ok);
  return { reply, kind: 'connect', streamHead: toHex(decided.streamHead), target: decided.target, toStream: toHex(answer.toStream) };
}

/** The same run for every partition of `input`; returns it. */
function splitInvariant(make: () => Socks5ClientHandshake | HttpProxyHandshake, input: Uint8Array): ClientRun {
  const whole = runClient(make, [input]);
  for (const parts of partitions(input)) {
    assert.deepEqual(runClient(make, parts), whole, `cut at ${parts.map((p) => p.length).join('+')}`);
  }
  return whole;
}

interface FastRun {
  kind: FastServerStep['kind'];
  target?: ProxyTarget;
  rule?: string;
  reply?: string;
  error?: string;
  toTarget?: string;
}

function runFast(parts: Uint8Array[]): FastRun {
  const hs = new FastServerHandshake();
  let dial: FastServerStep | null = null;
  for (const part of parts) {
    const step = hs.push(part);
    if (step.kind === 'reject') return { kind: 'reject', reply: toHex(step.reply), error: step.error.code };
    if (step.kind === 'dial') dial = step;
    else if (dial) assert.equal(step.kind, 'held');
    else assert.equal(step.kind, 'need-more');
  }
  if (!dial || dial.kind !== 'dial') return { kind: 'need-more' };
  const answer = hs.dialed(null);
  assert.ok(answer.ok);
  sameBytes(answer.toStream, OK_REPLY);
  return { kind: 'dial', target: dial.target, rule: dial.rule, toTarget: toHex(answer.toTarget) };
}

// ---- shared pieces ---------------------------------------------------------

test('socksReply builds 05 REP 00 01 + six zero bytes', () => {
  sameBytes(socksReply(SocksRep.Succeeded), OK_REPLY);
  sameBytes(socksReply(SocksRep.ConnectionRefused), hex('05 05 00 01 00 00 00 00 00 00'));
  sameBytes(socksReply(SocksRep.AddressTypeNotSupported), hex('05 08 00 01 00 00 00 00 00 00'));
  assert.notEqual(socksReply(0), socksReply(0), 'a fresh array each call');
  assert.throws(() => socksReply(256), RangeError);
  assert.throws(() => socksReply(-1), RangeError);
});

test('tunnel reply (docs/protocol.md §6.3 step 4): success, REP byte passed through, short or closed → REP 03', () => {
  assert.deepEqual(tunnelReplyOutcome(OK_REPLY), { ok: true, rep: 0, truncated: false, leftover: new Uint8Array(0) });
  const refused = tunnelReplyOutcome(hex('05 05 00 01 00 00 00 00 00 00'));
  assert.equal(refused.ok, false);
  assert.equal(refused.rep, 5);
  assert.equal(refused.truncated, false);
  assert.equal(tunnelReplyOutcome(hex('05 06 00 01 00 00 00 00 00 00')).rep, 6);
  // only byte 1 is looked at, as in kcptunB
  assert.equal(tunnelReplyOutcome(hex('00 00 00 00 00 00 00 00 00 00')).ok, true);
  for (const short of [null, new Uint8Array(0), hex('05'), hex('05 00 00 01 00 00 00 00 00')]) {
    const outcome = tunnelReplyOutcome(short);
    assert.deepEqual([outcome.ok, outcome.rep, outcome.truncated], [false, 3, true], `short reply ${short && toHex(short)}`);
  }
  // bytes after the reply are the target's: kept
  sameBytes(tunnelReplyOutcome(cat(OK_REPLY, ascii('HTTP/1.1'))).leftover, ascii('HTTP/1.1'));
});

test('TunnelReplyReader: the reply cut anywhere, the target bytes after it kept', () => {
  const input = cat(OK_REPLY, ascii('SSH-2.0'));
  for (const parts of partitions(input)) {
    const reader = new TunnelReplyReader();
    let outcome: TunnelReplyOutcome | null = null;
    const after: Uint8Array[] = [];
    for (const part of parts) {
      if (outcome) after.push(part);
      else outcome = reader.push(part);
    }
    assert.ok(outcome?.ok);
    assert.equal(text(cat(outcome.leftover, ...after)), 'SSH-2.0');
  }
  const reader = new TunnelReplyReader();
  assert.equal(reader.push(hex('05 05 00')), null);
  assert.deepEqual(reader.end(), { ok: false, rep: 3, truncated: true, leftover: new Uint8Array(0) }, 'EOF mid-reply → REP 03');
});

test('formatIPv6 is RFC 5952 text (matches the WHATWG URL serializer) and round-trips', () => {
  const cases: Array<[string, string]> = [
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000100000001000100010001', '2001:db8:1:0:1:1:1:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
  ];
  for (const [bytes, expected] of cases) assert.equal(formatIPv6(hex(bytes)), expected);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 8 }), (bytes, at, zeros) => {
      for (let i = at * 2; i < Math.min(16, (at + zeros) * 2); i++) bytes[i] = 0; // runs of zero groups
      const formatted = formatIPv6(bytes);
      assert.ok(isIPv6(formatted), formatted);
      if (!formatted.startsWith('::ffff:') || formatted.includes(':', 7)) {
        assert.equal(formatted, new URL(`http://[${formatted}]/`).hostname.slice(1, -1));
      }
    }),
  );
});

test('parseHostPort follows Go SplitHostPort and checks what a dial needs', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:18000'), { kind: 'ipv4', host: '127.0.0.1', port: 18000 });
  assert.deepEqual(parseHostPort('[::1]:8080'), { kind: 'ipv6', host: '::1', port: 8080 });
  assert.deepEqual(parseHostPort('Example.COM:080'), { kind: 'domain', host: 'Example.COM', port: 80 });
  for (const bad of ['localhost', ':80', 'h:', 'h:0', 'h:65536', 'h:http', '::1:80', '[::1]', '[::1]80', '[nope]:80', 'a]:80', '[::1:80']) {
    assert.throws(() => parseHostPort(bad), InvalidTargetError, bad);
  }
  assert.equal(formatTarget({ kind: 'ipv6', host: '::1', port: 1 }), '[::1]:1');
  assert.equal(formatTarget({ kind: 'domain', host: 'h', port: 2 }), 'h:2');
});

// ---- client --ser socks5 ---------------------------------------------------

const GREETING = hex('05 01 00');
const GREETING_CURL = hex('05 02 00 01');
const REQ_IPV4 = hex('05 01 00 01 7f 00 00 01 46 50'); // docs/protocol.md §6.3, 127.0.0.1:18000
const REQ_DOMAIN = hex('05 01 00 03 09 6c 6f 63 61 6c 68 6f 73 74 46 50'); // docs/protocol.md §6.3, localhost:18000
const REQ_IPV6 = hex('05 01 00 04 00000000000000000000000000000001 01 bb'); // [::1]:443

test('socks5: the spec examples, greeting answered 05 00, request forwarded verbatim, at every cut', () => {
  const cases: Array<[Uint8Array, Uint8Array, ProxyTarget]> = [
    [GREETING, REQ_IPV4, { kind: 'ipv4', host: '127.0.0.1', port: 18000 }],
    [GREETING_CURL, REQ_DOMAIN, { kind: 'domain', host: 'localhost', port: 18000 }],
    [GREETING, REQ_IPV6, { kind: 'ipv6', host: '::1', port: 443 }],
  ];
  for (const [greeting, request, target] of cases) {
    // pipelined greeting + request (kcptunB hangs on this) and split anywhere
    const run = splitInvariant(() => new Socks5ClientHandshake(), cat(greeting, request));
    assert.deepEqual(run, { reply: '0500', kind: 'connect', streamHead: toHex(request), target, toStream: '' });
  }
  assert.equal(formatTarget(cases[2]![2]), '[::1]:443');
});

test('socks5: bytes pipelined after the request reach the stream after the tunnel confirms', () => {
  const data = ascii('GET / HTTP/1.1\r\n\r\n');
  const run = splitInvariant(() => new Socks5ClientHandshake(), cat(GREETING, REQ_DOMAIN, data));
  assert.equal(run.streamHead, toHex(REQ_DOMAIN));
  assert.equal(run.toStream, toHex(data));

  // the lead's flow, step by step, with more app bytes while waiting and target bytes after the reply
  const hs = new Socks5ClientHandshake();
  const first = hs.push(cat(GREETING, REQ_IPV4, ascii('one ')));
  assert.equal(first.kind, 'connect');
  sameBytes(first.reply, hex('05 00'));
  assert.equal(hs.state, 'connecting');
  assert.equal(hs.push(ascii('two')).kind, 'held');
  const answer = hs.answer(okOutcome(ascii('banner')));
  assert.deepEqual(answer.ok && [text(answer.toApp), text(answer.toStream)], [text(cat(OK_REPLY, ascii('banner'))), 'one two']);
  assert.equal(hs.state, 'relaying');
  assert.throws(() => hs.push(ascii('x')), ProxyStateError);
  assert.throws(() => hs.answer(okOutcome()), ProxyStateError);
});

test('socks5: the tunnel refusing or closing becomes the matching socks5 reply', () => {
  const cases: Array<[TunnelReplyOutcome, Uint8Array]> = [
    [tunnelReplyOutcome(hex('05 05 00 01 00 00 00 00 00 00')), hex('05 05 00 01 00 00 00 00 00 00')],
    [tunnelReplyOutcome(hex('05 06 00 01 00 00 00 00 00 00')), hex('05 06 00 01 00 00 00 00 00 00')],
    [tunnelReplyOutcome(hex('05 00 00 01')), hex('05 03 00 01 00 00 00 00 00 00')],
    [tunnelReplyOutcome(null), hex('05 03 00 01 00 00 00 00 00 00')],
  ];
  for (const [outcome, expected] of cases) {
    const hs = new Socks5ClientHandshake();
    assert.equal(hs.push(cat(GREETING, REQ_IPV4, ascii('data'))).kind, 'connect');
    const answer: ClientAnswer = hs.answer(outcome);
    assert.equal(answer.ok, false);
    sameBytes(answer.toApp, expected);
    assert.equal(hs.state, 'closed');
  }
});

test('socks5: malformed requests close with the proper reply code, decided as soon as the bad byte is in', () => {
  const cases: Array<[string, Uint8Array, string, string]> = [
    // [what, input, reply, error code]
    ['socks4 greeting', hex('04 01 00 50 7f 00 00 01 00'), '', new SocksVersionError(4, 'greeting').code],
    ['http on a socks port', ascii('GET / HTTP/1.1\r\n'), '', 'ERR_PROXY_SOCKS_VERSION'],
    ['only username/password offered', hex('05 01 02'), '05ff', new SocksNoAcceptableMethodError([2]).code],
    ['no methods offered', hex('05 00'), '05ff', 'ERR_PROXY_SOCKS_METHOD'],
    ['BIND', cat(GREETING, hex('05 02 00 01 7f 00 00 01 46 50')), '0500' + '05070001000000000000', new SocksCommandError(2).code],
    ['UDP ASSOCIATE', cat(GREETING, hex('05 03 00 01 00 00 00 00 00 00')), '0500' + '05070001000000000000', 'ERR_PROXY_SOCKS_COMMAND'],
    ['ATYP 2', cat(GREETING, hex('05 01 00 02 7f 00 00 01 46 50')), '0500' + '05080001000000000000', new AddressTypeError(2).code],
    ['ATYP 5 from an app', cat(GREETING, hex('05 01 00 05 31 3a 31')), '0500' + '05080001000000000000', 'ERR_PROXY_ADDRESS_TYPE'],
    ['request version 4', cat(GREETING, hex('04 01 00 01 7f 00 00 01 46 50')), '0500' + '05010001000000000000', 'ERR_PROXY_SOCKS_VERSION'],
    ['empty domain', cat(GREETING, hex('05 01 00 03 00 00 50')), '0500' + '05010001000000000000', 'ERR_PROXY_TARGET'],
  ];
  for (const [what, input, reply, code] of cases) {
    const run = splitInvariant(() => new Socks5ClientHandshake(), input);
    assert.deepEqual(run, { reply, kind: 'reject', error: code }, what);
  }
  // early: BIND is refused on its second byte, without waiting for an address
  const hs = new Socks5ClientHandshake();
  assert.equal(hs.push(GREETING).kind, 'need-more');
  const step = hs.push(hex('05 02'));
  assert.equal(step.kind, 'reject');
  assert.ok(step.kind === 'reject' && step.error instanceof SocksCommandError && step.error.command === 2);
  assert.throws(() => hs.push(hex('00')), ProxyStateError);
});

test('socks5: incomplete messages wait', () => {
  for (const input of [hex('05'), hex('05 02 00'), cat(GREETING, hex('05 01 00 03 09 6c 6f')), cat(GREETING, REQ_IPV6.subarray(0, 21))]) {
    assert.equal(runClient(() => new Socks5ClientHandshake(), [input]).kind, 'need-more', toHex(input));
  }
  assert.throws(() => new Socks5ClientHandshake().answer(okOutcome()), ProxyStateError);
});

test('socks5: random targets, random cuts, random trailing data (fast-check)', () => {
  const target = fc.oneof(
    fc.tuple(fc.constant(1), fc.uint8Array({ minLength: 4, maxLength: 4 })),
    fc.tuple(fc.constant(4), fc.uint8Array({ minLength: 16, maxLength: 16 })),
    fc.tuple(fc.constant(3), fc.stringMatching(/^[a-z0-9.-]{1,255}$/).map((s) => ascii(s))),
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      target,
      fc.integer({ min: 0, max: 65535 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 0, max: 1 << 30 }),
      (methods, [atyp, address], port, data, seed) => {
        methods[seed % methods.length] = 0;
        const request = cat(hex(`05 01 00 0${atyp}`), atyp === 3 ? Uint8Array.of(address.length) : new Uint8Array(0), address, Uint8Array.of(port >> 8, port & 0xff));
        const input = cat(Uint8Array.of(5, methods.length), methods, request, data);
        const cuts = fc.sample(cutsOf(input.length), { numRuns: 1, seed })[0]!;
        const run = runClient(() => new Socks5ClientHandshake(), cut(input, cuts));
        assert.equal(run.kind, 'connect');
        assert.equal(run.reply, '0500');
        assert.equal(run.streamHead, toHex(request));
        assert.equal(run.toStream, toHex(data));
        assert.equal(run.target?.port, port);
      },
    ),
  );
});

// ---- client --ser http -------------------------------------------------------

const HEAD_127 = hex('00 00 00 05 31 32 37 2e 30 2e 30 2e 31 3a 31 38 30 30 30'); // docs/protocol.md §6.4

test('http: CONNECT sends kcptunB’s exact stream head, answers 200, keeps bytes after the headers', () => {
  const request = ascii('CONNECT 127.0.0.1:18000 HTTP/1.1\r\nHost: 127.0.0.1:18000\r\nUser-Agent: curl/7.88.1\r\n\r\n');
  const early = hex('16 03 01 00 05 01 02 03 04 05'); // a client that sends its TLS hello without waiting
  const run = splitInvariant(() => new HttpProxyHandshake(), cat(request, early));
  assert.deepEqual(run, {
    reply: '',
    kind: 'connect',
    streamHead: toHex(HEAD_127),
    target: { kind: 'ipv4', host: '127.0.0.1', port: 18000 },
    toStream: toHex(early),
  });
  const hs = new HttpProxyHandshake();
  const step = hs.push(request);
  assert.equal(step.kind, 'connect');
  assert.equal(hs.request?.isConnect, true);
  assert.equal(hs.push(ascii('later')).kind, 'held');
  const answer = hs.answer(okOutcome(ascii('server-first')));
  assert.ok(answer.ok);
  assert.equal(text(answer.toApp), HTTP_CONNECT_ESTABLISHED + 'server-first');
  assert.equal(text(answer.toStream), 'later');
});

test('http: an absolute-form GET is forwarded whole (request line, headers, body bytes) after the reply', () => {
  const request = ascii('GET http://127.0.0.1:18000/x?y=http://z HTTP/1.1\r\nHost: 127.0.0.1:18000\r\nProxy-Connection: keep-alive\r\n\r\n');
  const run = splitInvariant(() => new HttpProxyHandshake(), request);
  assert.equal(run.kind, 'connect');
  assert.equal(run.streamHead, toHex(HEAD_127));
  assert.equal(run.toStream, toHex(request));
  assert.equal(run.reply, '');

  const post = ascii('POST http://h/p HTTP/1.0\nContent-Length: 5\n\nhello');
  const hs = new HttpProxyHandshake();
  assert.equal(hs.push(post.subarray(0, 23)).kind, 'need-more');
  assert.equal(hs.push(post.subarray(23, 30)).kind, 'connect', 'decided on the first line');
  assert.equal(hs.push(post.subarray(30)).kind, 'held');
  const answer = hs.answer(okOutcome());
  assert.ok(answer.ok);
  assert.equal(answer.toApp.length, 0, 'nothing for the app: the origin answers');
  assert.equal(text(answer.toStream), text(post));
});

test('http: host:port from the request target (kcptunB rule, plus https, IPv6, userinfo)', () => {
  const cases: Array<[string, string]> = [
    ['127.0.0.1:18000', '127.0.0.1:18000'],
    ['example.com:443', 'example.com:443'],
    ['example.com', 'example.com:80'], // kcptunB: no port → :80, CONNECT too
    ['http://example.com/x', 'example.com:80'],
    ['http://Example.COM:8080', 'Example.COM:8080'], // verbatim, as Go's URL host
    ['HTTP://example.com?q', 'example.com:80'],
    ['https://example.com/', 'example.com:443'],
    ['wss://example.com#f', 'example.com:443'],
    ['http://user:pa:ss@example.com:81/', 'example.com:81'],
    ['http://[::1]/x', '[::1]:80'],
    ['[::1]:8080', '[::1]:8080'],
    ['http://[2001:db8::1]:3128', '[2001:db8::1]:3128'],
    ['http://h:/', 'h:80'],
  ];
  for (const [target, hostport] of cases) assert.equal(httpProxyHostPort(target).hostport, hostport, target);
  assert.deepEqual(httpProxyHostPort('http://[::1]/').target, { kind: 'ipv6', host: '::1', port: 80 });
  for (const bad of ['/x', '//h:80/x', 'http:///x', 'http://h:99999/', 'http://::1/', 'http://[::1/', 'http://h:x/', 'http://[zz]/']) {
    assert.throws(() => httpProxyHostPort(bad), InvalidTargetError, bad);
  }
  // IPv6 through the handshake, at every cut
  const run = splitInvariant(() => new HttpProxyHandshake(), ascii('GET http://[::1]/ HTTP/1.1\r\n\r\n'));
  assert.equal(text(Buffer.from(run.streamHead ?? '', 'hex')), '\0\0\0\x05[::1]:80');
});

test('http: the tunnel failing gives 502 Bad Gateway with Connection: close, not a silent close', () => {
  for (const [outcome, why] of [
    [tunnelReplyOutcome(hex('05 05 00 01 00 00 00 00 00 00')), 'connection refused (socks5 reply 05)'],
    [tunnelReplyOutcome(hex('05 06 00 01 00 00 00 00 00 00')), 'TTL expired (timeout) (socks5 reply 06)'],
    [tunnelReplyOutcome(null), 'closed before the server replied'],
  ] as const) {
    for (const request of ['CONNECT h:443 HTTP/1.1\r\n\r\n', 'GET http://h/ HTTP/1.1\r\n\r\n']) {
      const hs = new HttpProxyHandshake();
      assert.equal(hs.push(ascii(request)).kind, 'connect');
      const answer = hs.answer(outcome);
      assert.equal(answer.ok, false);
      const response = text(answer.toApp);
      const [head = '', body = ''] = response.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
      assert.match(head, /\r\nConnection: close(\r\n|$)/);
      assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
      assert.ok(body.includes(why), body);
      assert.ok(body.includes(request.startsWith('CONNECT') ? 'h:443' : 'h:80'));
      assert.equal(hs.state, 'closed');
    }
  }
});

test('http: bad requests get 400/414/431 and a close; no stream is opened', () => {
  const cases: Array<[string, string | Uint8Array, number]> = [
    ['origin-form', 'GET /index.html HTTP/1.1\r\n\r\n', 400],
    ['no target', 'GET\r\n\r\n', 400],
    ['bare IPv6', 'GET http://::1/ HTTP/1.1\r\n\r\n', 400],
    ['bad port', 'CONNECT h:99999 HTTP/1.1\r\n\r\n', 400],
    ['not a method', '\x16\x03\x01 x y\r\n', 400],
    ['long line', `GET http://h/${'a'.repeat(HTTP_HEADER_LIMIT)} HTTP/1.1\r\n\r\n`, 414],
    ['long line, no end', `GET http://h/${'a'.repeat(HTTP_HEADER_LIMIT)}`, 414],
    ['huge CONNECT headers', `CONNECT h:443 HTTP/1.1\r\n${'X-A: b\r\n'.repeat(HTTP_HEADER_LIMIT / 8)}\r\n`, 431],
    ['only empty lines', '\r\n'.repeat(HTTP_HEADER_LIMIT), 400],
  ];
  for (const [what, input, status] of cases) {
    const hs = new HttpProxyHandshake();
    const step = hs.push(typeof input === 'string' ? ascii(input) : input);
    assert.equal(step.kind, 'reject', what);
    assert.ok(step.kind === 'reject' && step.error instanceof HttpRequestError && step.error.status === status, what);
    assert.match(text(step.reply), new RegExp(`^HTTP/1\\.1 ${status} [^\\r]+\\r\\nConnection: close\\r\\n`), what);
    assert.throws(() => hs.push(ascii('x')), ProxyStateError);
  }
  // the short cases at every cut
  for (const input of ['GET /x HTTP/1.1\r\n\r\n', 'CONNECT h:0 HTTP/1.1\r\n\r\n']) {
    assert.equal(splitInvariant(() => new HttpProxyHandshake(), ascii(input)).kind, 'reject');
  }
});

test('http: leading empty lines are skipped; LF-only lines work; incomplete requests wait', () => {
  const run = splitInvariant(() => new HttpProxyHandshake(), ascii('\r\n\nCONNECT h:22 HTTP/1.1\nHost: h\n\nSSH'));
  assert.equal(run.kind, 'connect');
  assert.equal(run.target?.port, 22);
  assert.equal(run.toStream, toHex(ascii('SSH')));
  for (const partial of ['GET http://h/', 'CONNECT h:22 HTTP/1.1\r\nHost: h\r\n', 'CONNECT h:22 HTTP/1.1\r\n\r']) {
    assert.equal(runClient(() => new HttpProxyHandshake(), [ascii(partial)]).kind, 'need-more', partial);
  }
});

// ---- server --ser fast ---------------------------------------------------------

test('fast: the spec examples (socks5 IPv4 and domain, http host:port) and IPv6, at every cut', () => {
  const cases: Array<[Uint8Array, ProxyTarget, string]> = [
    [REQ_IPV4, { kind: 'ipv4', host: '127.0.0.1', port: 18000 }, 'fixed'],
    [REQ_DOMAIN, { kind: 'domain', host: 'localhost', port: 18000 }, 'length-byte'],
    [REQ_IPV6, { kind: 'ipv6', host: '::1', port: 443 }, 'fixed'],
  ];
  for (const [request, target, rule] of cases) {
    for (const parts of partitions(request)) {
      assert.deepEqual(runFast(parts), { kind: 'dial', target, rule, toTarget: '' }, `${toHex(request)} cut ${parts.map((p) => p.length)}`);
    }
  }
  // ATYP 5 has no length: the request is what the first read holds (cuts before its 5th byte only)
  for (let i = 0; i <= 4; i++) {
    assert.deepEqual(runFast(cut(HEAD_127, [i])), { kind: 'dial', target: { kind: 'ipv4', host: '127.0.0.1', port: 18000 }, rule: 'first-read', toTarget: '' });
  }
  assert.deepEqual(runFast([hex('00 00 00 05'), ascii('[::1]:8080')]).target, { kind: 'ipv6', host: '::1', port: 8080 });
  assert.deepEqual(runFast([hex('00 00 00 05'), ascii('Example.com:80')]).target, { kind: 'domain', host: 'Example.com', port: 80 });
});

test('fast: bytes after a fixed-length request go to the target after the dial', () => {
  const data = ascii('hello');
  for (const request of [REQ_IPV4, REQ_IPV6]) {
    for (const parts of partitions(cat(request, data))) assert.equal(runFast(parts).toTarget, toHex(data));
  }
  const hs = new FastServerHandshake();
  assert.equal(hs.push(cat(REQ_IPV4, ascii('a'))).kind, 'dial');
  assert.equal(hs.state, 'dialing');
  assert.equal(hs.push(ascii('b')).kind, 'held');
  const answer = hs.dialed();
  assert.ok(answer.ok);
  assert.equal(text(answer.toTarget), 'ab');
  assert.equal(hs.state, 'relaying');
  assert.throws(() => hs.push(ascii('c')), ProxyStateError);
  assert.throws(() => hs.dialed(), ProxyStateError);
});

test('fast: a domain length byte disagreeing with the read falls back to kcptunB’s rule', () => {
  // L = 5 but "localhost" (9 bytes) follows: kcptunB takes b[5..n-2] and the last two bytes
  const request = hex('05 01 00 03 05 6c 6f 63 61 6c 68 6f 73 74 46 50');
  assert.deepEqual(runFast([request]), { kind: 'dial', target: { kind: 'domain', host: 'localhost', port: 18000 }, rule: 'kcptunb', toTarget: '' });
  // L larger than what came: wait for it; the stream ending then closes without a reply
  const hs = new FastServerHandshake();
  assert.equal(hs.push(hex('05 01 00 03 20 6c 6f 63 61 6c 68 6f 73 74 46 50')).kind, 'need-more');
  const end = hs.end();
  assert.ok(end?.kind === 'reject' && end.reply.length === 0 && end.error instanceof TruncatedRequestError);
  assert.equal(hs.end(), null);
  assert.equal(hs.state, 'closed');
});

test('fast: ATYP 5 takes the first read, at most 320 bytes like kcptunB', () => {
  const hostport = `${'a'.repeat(FAST_REQUEST_LIMIT - 4 - 3)}:80`;
  const hs = new FastServerHandshake();
  const step = hs.push(cat(hex('00 00 00 05'), ascii(hostport), ascii('rest')));
  assert.ok(step.kind === 'dial' && step.target.port === 80 && step.target.host.length === FAST_REQUEST_LIMIT - 7);
  const answer = hs.dialed(null);
  assert.ok(answer.ok && text(answer.toTarget) === 'rest');
});

test('fast: bad requests get the right reply (08 for the address type, 05 for an unusable target)', () => {
  const cases: Array<[string, Uint8Array, string, string]> = [
    ['ATYP 0', hex('05 01 00 00 7f 00 00 01 46 50'), '05080001000000000000', 'ERR_PROXY_ADDRESS_TYPE'],
    ['ATYP 2', hex('05 01 00 02'), '05080001000000000000', 'ERR_PROXY_ADDRESS_TYPE'],
    ['ATYP 6', hex('00 00 00 06 31'), '05080001000000000000', 'ERR_PROXY_ADDRESS_TYPE'],
    ['raw client bytes', ascii('GET / HTTP/1.1\r\n'), '05080001000000000000', 'ERR_PROXY_ADDRESS_TYPE'],
    ['port 0', hex('05 01 00 01 7f 00 00 01 00 00'), '05050001000000000000', 'ERR_PROXY_TARGET'],
    ['empty domain', hex('05 01 00 03 00 46 50'), '05050001000000000000', 'ERR_PROXY_TARGET'],
    ['no port', cat(hex('00 00 00 05'), ascii('localhost')), '05050001000000000000', 'ERR_PROXY_TARGET'],
    ['bare IPv6', cat(hex('00 00 00 05'), ascii('::1:80')), '05050001000000000000', 'ERR_PROXY_TARGET'],
    ['service name', cat(hex('00 00 00 05'), ascii('h:http')), '05050001000000000000', 'ERR_PROXY_TARGET'],
  ];
  for (const [what, input, reply, code] of cases) {
    assert.deepEqual(runFast([input]), { kind: 'reject', reply, error: code }, what);
  }
  // the address type is refused as soon as byte 3 is in
  const hs = new FastServerHandshake();
  assert.equal(hs.push(hex('05 01 00')).kind, 'need-more');
  assert.equal(hs.push(hex('09')).kind, 'reject');
});

test('fast: dial results map to kcptunB’s reply codes', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(dialErrorRep(err('ETIMEDOUT')), 6);
  assert.equal(dialErrorRep(err('ETIMEOUT')), 6);
  assert.equal(dialErrorRep(new DOMException('timed out', 'TimeoutError')), 6);
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']) {
    assert.equal(dialErrorRep(err(code)), 5, code);
  }
  assert.equal(dialErrorRep(new Error('anything')), 5);
  sameBytes(dialErrorReply(err('ETIMEDOUT')), hex('05 06 00 01 00 00 00 00 00 00'));
  sameBytes(dialErrorReply(err('ECONNREFUSED')), hex('05 05 00 01 00 00 00 00 00 00'));
  const hs = new FastServerHandshake();
  assert.equal(hs.push(cat(REQ_IPV4, ascii('x'))).kind, 'dial');
  const answer = hs.dialed(err('ECONNREFUSED'));
  assert.deepEqual(answer.ok ? null : [toHex(answer.toStream), answer.rep], ['05050001000000000000', 5]);
  assert.equal(hs.state, 'closed');
});

// ---- chain and fuzz ------------------------------------------------------------

test('chain: what each client writes first, the fast server dials (random targets)', () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
  const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6);
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
  fc.assert(
    fc.property(fc.oneof(domain, ipv4, ipv6), fc.integer({ min: 1, max: 65535 }), fc.boolean(), (host, port, viaHttp) => {
      const v6 = host.includes(':');
      const hostport = v6 ? `[${host}]:${port}` : `${host}:${port}`;
      let head: Uint8Array;
      if (viaHttp) {
        const step = new HttpProxyHandshake().push(ascii(`CONNECT ${hostport} HTTP/1.1\r\n\r\n`));
        assert.equal(step.kind, 'connect');
        head = step.kind === 'connect' ? step.streamHead : new Uint8Array(0);
      } else {
        const step = new Socks5ClientHandshake().push(cat(GREETING, hex('05 01 00 03'), Uint8Array.of(host.length), ascii(host), Uint8Array.of(port >> 8, port & 0xff)));
        head = step.kind === 'connect' ? step.streamHead : new Uint8Array(0);
      }
      const dial = new FastServerHandshake().push(head);
      assert.equal(dial.kind, 'dial');
      assert.ok(dial.kind === 'dial' && dial.target.host === host && dial.target.port === port && formatTarget(dial.target) === hostport);
    }),
  );
});

test('fuzz: random bytes in random pieces never throw, and every handshake decides within its bound', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer(), (input, seed) => {
      const parts = cut(input, fc.sample(cutsOf(input.length), { numRuns: 1, seed })[0]!);
      for (const make of [() => new Socks5ClientHandshake(), () => new HttpProxyHandshake()]) {
        const hs = make();
        let done = false;
        for (const part of parts) {
          if (done) break;
          const step = hs.push(part);
          if (step.kind === 'reject') done = true;
          if (step.kind === 'connect') hs.answer(okOutcome());
          if (step.kind === 'connect') done = true;
        }
        // a socks5 greeting + request fit in 2 + 255 + 262 bytes
        if (!done && hs instanceof Socks5ClientHandshake) assert.ok(input.length < 2 + 255 + 262);
      }
      const fast = new FastServerHandshake();
      let step: FastServerStep = { kind: 'need-more', reply: new Uint8Array(0) };
      for (const part of parts) {
        if (step.kind === 'reject' || step.kind === 'dial') break;
        step = fast.push(part);
      }
      if (step.kind === 'need-more') assert.ok(input.length < 7 + 255, `fast undecided after ${input.length} bytes`);
      if (step.kind === 'reject' && step.reply.length) assert.ok([5, 8].includes(step.reply[1]!));
    }),
    { numRuns: 2000 },
  );
  // http: junk without a line end is refused once past the bound
  const hs = new HttpProxyHandshake();
  let last: ClientStep = { kind: 'need-more', reply: new Uint8Array(0) };
  for (let i = 0; i <= HTTP_HEADER_LIMIT / 64 && last.kind === 'need-more'; i++) last = hs.push(new Uint8Array(64).fill(0x41));
  assert.equal(last.kind, 'reject');
});
