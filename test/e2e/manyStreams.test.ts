/**
 * 10,000 concurrent streams over one ours ↔ ours tunnel: every connection is opened and kept
 * open until all 10,000 have echoed their own 64 bytes (so all 10,000 smux streams and all their
 * TCP connections exist at once), then all are ended and must close. The echo target runs in a
 * process of its own, so no process holds more than ~10,000 sockets (file-descriptor limits).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ProcessGroup, Proc, waitFor } from '@kcptunb/testkit';

const STREAMS = 10_000;
/** Connections being opened at once (each one stays open once it has echoed). */
const WAVE = 200;
const PAYLOAD = 64;

const group = new ProcessGroup();
after(() => group.cleanup());

async function echoProcess(): Promise<number> {
  const script = "require('net').createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); })";
  const p = new Proc('echo target', process.execPath, ['-e', script]);
  group.onCleanup(() => p.stop());
  await p.waitOutput(/port \d+/, 10_000);
  return Number(/port (\d+)/.exec(p.output())![1]);
}

/** Open one connection, echo `PAYLOAD` bytes that name it, and keep the socket open. */
function openAndEcho(port: number, i: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.alloc(PAYLOAD, `stream ${i};`);
    const socket = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`stream ${i}: no echo within ${timeoutMs} ms (${got.length} bytes)`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.on('error', fail);
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < PAYLOAD) return;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      if (!got.equals(payload)) return fail(new Error(`stream ${i}: wrong echo`));
      resolve(socket);
    });
  });
}

test(`${STREAMS} concurrent streams: each echoes, all stay open together, all close`, async () => {
  const target = await echoProcess();
  const flags = ['--key', 'many streams', '--mode', 'fast2', '--quiet', '--sndwnd', '1024', '--rcvwnd', '1024'];
  const t = await group.tunnel({ client: 'ours', server: 'ours', targetPort: target, serverArgs: flags, clientArgs: flags, keepChars: 1 << 16 });
  const t0 = Date.now();
  const open: Socket[] = [];
  let closed = 0;
  try {
    for (let first = 0; first < STREAMS; first += WAVE) {
      const wave = Array.from({ length: Math.min(WAVE, STREAMS - first) }, (_, k) => openAndEcho(t.port, first + k, 60_000));
      for (const s of await Promise.all(wave)) {
        s.once('close', () => closed++);
        open.push(s);
      }
      t.assertAlive(`opening streams (${open.length} open)`);
    }
    const openMs = Date.now() - t0;
    assert.equal(open.filter((s) => !s.destroyed).length, STREAMS, 'all streams open at once');
    for (const s of open) s.end();
    await waitFor(() => closed === STREAMS, 120_000, `every connection closed (${closed}/${STREAMS})`);
    t.assertAlive('closing streams');
    console.log(`# ${STREAMS} streams opened and echoed in ${openMs} ms, all closed ${Date.now() - t0 - openMs} ms later`);
  } finally {
    for (const s of open) s.destroy();
  }
});
