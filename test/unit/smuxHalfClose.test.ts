/**
 * SmuxStream.end(), the library's half-close (the relays keep kcptun's close-both): FIN goes after
 * the written bytes, the stream reads on until the peer's FIN, and it retires (its sid forgotten)
 * once both FINs are out and everything was read — without dropping data the peer paused (FUL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CMD_FIN, decodeHeader, SmuxSession, type SmuxConfig, type SmuxStream } from '@kcptunb/smux';

/** Move every pending frame between the two sessions until neither has output; the FIN commands seen. */
function pump(a: SmuxSession, b: SmuxSession, now = 0): number[] {
  const fins: number[] = [];
  for (let turn = 0; turn < 10_000; turn++) {
    let moved = false;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const out = from.takeOutput(1 << 20);
      if (!out) continue;
      moved = true;
      for (let off = 0; off + 8 <= out.length; ) {
        const h = decodeHeader(out, off);
        if (h.cmd === CMD_FIN) fins.push(h.sid);
        off += 8 + h.length;
      }
      to.input(out, now);
    }
    if (!moved) return fins;
  }
  throw new Error('pump did not settle');
}

/** What is buffered, without the read() at EOF (which closes a stream that has not ended, as kcptun's Read does). */
function readAll(s: SmuxStream): string {
  let text = '';
  while (s.readableLength > 0) text += Buffer.from(s.read()!).toString();
  return text;
}

function pair(config: Partial<SmuxConfig> = {}) {
  const client = new SmuxSession({ role: 'client', now: 0, config });
  const server = new SmuxSession({ role: 'server', now: 0, config });
  return { client, server };
}

function accepted(server: SmuxSession): SmuxStream {
  const e = server.takeEvents().find((x) => x.type === 'stream-accepted');
  assert.ok(e && e.type === 'stream-accepted');
  return e.stream;
}

test('end(): FIN after the data; the peer reads EOF and can still answer; both retire once both FINs are out', () => {
  const { client, server } = pair();
  const c = client.openStream();
  c.write(Buffer.from('request'));
  c.end();
  assert.equal(c.writable, false);
  assert.equal(c.write(Buffer.from('late')), false, 'no writes after end()');
  assert.deepEqual(pump(client, server), [c.id]);
  const s = accepted(server);
  assert.equal(readAll(s), 'request');
  assert.equal(s.remoteFinished, true);
  assert.equal(s.readableEnded, true);
  // the server has not ended: it may still write (a close-both relay would have closed here)
  assert.equal(s.writable, true);
  assert.equal(s.write(Buffer.from('answer')), true);
  s.end();
  assert.deepEqual(pump(client, server), [s.id]);
  assert.equal(readAll(c), 'answer');
  assert.equal(c.read(), null, 'EOF');
  assert.equal(c.closed, true, 'the client stream retired: both FINs out, all read');
  assert.equal(s.closed, true, 'the server stream retired when its FIN went out');
  assert.equal(client.streamCount, 0);
  assert.equal(server.streamCount, 0);
});

test('end() while the peer paused the stream (FUL) keeps the data: it is sent after the resume, then FIN', () => {
  const { client, server } = pair({ enableStreamBuffer: true, maxStreamBuffer: 4096, boostTimeoutMs: 0 });
  const c = client.openStream();
  const big = Buffer.alloc(64 * 1024, 7);
  c.write(big);
  pump(client, server);
  const s = accepted(server);
  // the server reads nothing yet: past its 4 KiB stream buffer it pauses the client (FUL)
  c.write(Buffer.alloc(8 * 1024, 9));
  c.end();
  pump(client, server);
  let got = 0;
  for (let round = 0; round < 1000 && !s.readableEnded; round++) {
    while (s.readableLength > 0) got += s.read()!.length;
    pump(client, server);
  }
  assert.equal(got, 64 * 1024 + 8 * 1024, 'every byte written before end() arrived');
  assert.equal(s.readableEnded, true);
});
