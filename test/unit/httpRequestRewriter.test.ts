/**
 * The `--ser http` request rewriter (docs/protocol.md §6.4): absolute form → origin form,
 * Proxy-* headers dropped, for every request on a kept-alive connection, whatever the split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HTTP_HEADER_LIMIT, HttpRequestRewriter } from '@kcptunb/control';
import { runSeed } from '../support/random.js';

const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** Feed `input` in the given pieces; the concatenated output. */
function rewrite(input: string, cuts: readonly number[] = []): string {
  const bytes = latin1(input);
  const rw = new HttpRequestRewriter();
  let out = '';
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    out += text(rw.push(bytes.subarray(from, at)));
    from = at;
  }
  return out;
}

/** The output must not depend on how the input is split: every single split point, and every byte alone. */
function assertEverySplit(input: string, expected: string): void {
  assert.equal(rewrite(input), expected, 'one piece');
  for (let at = 0; at <= input.length; at++) assert.equal(rewrite(input, [at]), expected, `split at ${at}`);
  assert.equal(rewrite(input, Array.from({ length: input.length }, (_, i) => i)), expected, 'byte by byte');
}

const GET_ABSOLUTE =
  'GET http://127.0.0.1:8080/path?q=1 HTTP/1.1\r\n' +
  'Host: 127.0.0.1:8080\r\n' +
  'Proxy-Connection: Keep-Alive\r\n' +
  'User-Agent: curl/8\r\n' +
  'proxy-authorization: Basic dTpw\r\n' +
  'Accept: */*\r\n\r\n';
const GET_ORIGIN = 'GET /path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n';

test('http rewriter: absolute form → origin form, Proxy-* dropped, at every split point', () => {
  assertEverySplit(GET_ABSOLUTE, GET_ORIGIN);
});

test('http rewriter: Host is the target authority (userinfo dropped); empty path → /; OPTIONS → *', () => {
  assert.equal(rewrite('GET http://u:p@h.example:81 HTTP/1.1\r\nHost: other\r\n\r\n'), 'GET / HTTP/1.1\r\nHost: h.example:81\r\n\r\n');
  assert.equal(rewrite('GET http://h?x=1 HTTP/1.1\r\n\r\n'), 'GET /?x=1 HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.equal(rewrite('OPTIONS http://h HTTP/1.1\r\n\r\n'), 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n');
  // origin form already: only the Proxy-* headers go
  assert.equal(rewrite('GET /x HTTP/1.1\r\nHost: h\r\nProxy-Connection: close\r\n\r\n'), 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
  // bare LF line ends stay bare; a folded Proxy-* header goes with its continuation
  assert.equal(rewrite('GET http://h/a HTTP/1.0\nProxy-Authorization: Basic\n  dTpw\nX: 1\n\n'), 'GET /a HTTP/1.0\nHost: h\nX: 1\n\n');
});

const KEEP_ALIVE =
  '\r\n' + // a stray empty line before a request passes through
  GET_ABSOLUTE +
  // a Content-Length body that looks like a request: not rewritten
  'POST http://h/form HTTP/1.1\r\nContent-Length: 43\r\nProxy-Connection: x\r\n\r\n' +
  'GET http://h/not-a-request HTTP/1.1\r\n\r\nxx' +
  // a chunked body (with an extension and a trailer) that looks like a request too
  'PUT http://h/up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
  '5;ext=1\r\nGET h\r\n1B\r\nProxy-Connection: x\r\n\r\nabcd\r\n0\r\nTrailer: t\r\n\r\n' +
  'HEAD http://h:8/last HTTP/1.1\r\n\r\n';
const KEEP_ALIVE_OUT =
  '\r\n' +
  GET_ORIGIN +
  'POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 43\r\n\r\n' +
  'GET http://h/not-a-request HTTP/1.1\r\n\r\nxx' +
  'PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
  '5;ext=1\r\nGET h\r\n1B\r\nProxy-Connection: x\r\n\r\nabcd\r\n0\r\nTrailer: t\r\n\r\n' +
  'HEAD /last HTTP/1.1\r\nHost: h:8\r\n\r\n';

test('http rewriter: every request on a kept-alive connection, bodies untouched, at every split point', () => {
  assertEverySplit(KEEP_ALIVE, KEEP_ALIVE_OUT);
  const rw = new HttpRequestRewriter();
  rw.push(latin1(KEEP_ALIVE));
  assert.equal(rw.requests, 4);
  assert.equal(rw.opaque, false);
});

test('http rewriter: random splits of the kept-alive stream (seeded) give the same bytes', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: KEEP_ALIVE.length }), { maxLength: 12 }), (cuts) => {
      assert.equal(rewrite(KEEP_ALIVE, [...cuts].sort((a, b) => a - b)), KEEP_ALIVE_OUT);
    }),
    { numRuns: 200, seed: runSeed('http rewriter random splits') },
  );
});

test('http rewriter: after CONNECT or an Upgrade request the bytes are not HTTP any more: passed through', () => {
  const ws = 'GET http://h/ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const frames = 'GET http://h/x HTTP/1.1\r\nProxy-Connection: y\r\n\r\n';
  assertEverySplit(ws + frames, 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' + frames);
  const connect = 'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nProxy-Connection: k\r\n\r\n';
  assertEverySplit(connect + frames, 'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n' + frames);
});

test('http rewriter: what it cannot delimit passes through verbatim from there on, bounded', () => {
  const later = 'GET http://h/x HTTP/1.1\r\nProxy-Connection: y\r\n\r\n';
  for (const head of [
    'POST http://h/ HTTP/1.1\r\nContent-Length: 1x\r\n\r\n', // bad Content-Length
    'POST http://h/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', // two lengths
    'POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', // not delimited by chunking
  ]) {
    const out = rewrite(head + later);
    assert.ok(out.endsWith(later), JSON.stringify(out));
  }
  const badChunk = 'POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' + later;
  assertEverySplit(badChunk, 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' + later);
  const missingCrlf = 'POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY\r\n' + later;
  assert.ok(rewrite(missingCrlf).endsWith('1\r\naXY\r\n' + later));
  // a head that never ends: held only up to the limit, then passed on unchanged
  const huge = 'GET http://h/ HTTP/1.1\r\n' + 'X-Fill: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(200) + 'Proxy-Connection: k\r\n\r\n';
  assert.ok(huge.length > HTTP_HEADER_LIMIT);
  const rw = new HttpRequestRewriter();
  let out = '';
  for (let at = 0; at < huge.length; at += 100) {
    out += text(rw.push(latin1(huge.slice(at, at + 100))));
    const fed = Math.min(at + 100, huge.length);
    assert.ok(fed - out.length <= HTTP_HEADER_LIMIT, `${fed - out.length} bytes held`);
  }
  assert.equal(out, huge);
  assert.equal(rw.opaque, true);
});

const PIECES = [
  'GET http://h/ HTTP/1.1\r\n', 'CONNECT h:1 HTTP/1.1\r\n', 'Host: x\r\n', 'Content-Length: 3\r\n', 'Content-Length: zz\r\n',
  'Transfer-Encoding: chunked\r\n', 'Proxy-Connection: x\r\n', ' folded\r\n', 'Upgrade: w\r\n', '\r\n', '\n', '3\r\n', '0\r\n', 'abc', ';e\r\n',
];

test('http rewriter fuzz: HTTP-ish and random bytes in random pieces never throw, and the split never matters', () => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }),
    fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((parts) => latin1(parts.join(''))),
  );
  fc.assert(
    fc.property(input, fc.uniqueArray(fc.nat(2000), { maxLength: 8 }), (bytes, rawCuts) => {
      const whole = text(new HttpRequestRewriter().push(bytes));
      const source = text(bytes);
      assert.equal(rewrite(source, rawCuts.filter((c) => c <= bytes.length).sort((a, b) => a - b)), whole);
    }),
    { numRuns: 400, seed: runSeed('http rewriter fuzz') },
  );
});
