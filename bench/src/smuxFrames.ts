/**
 * smux micro-benchmark: PSH frames through two back-to-back sessions — write
 * on the client, `takeOutput` (encode), `input` on the server (decode), read
 * every byte back — with 1 and 16 streams, 1 KiB and maximum (32 767-byte)
 * frames. Also the bare incremental decoder on a pre-encoded buffer. ns/op is
 * per frame; MB/s counts payload bytes.
 */
import { fileURLToPath } from 'node:url';
import { encodeFrame, FrameDecoder, SmuxSession, type SmuxStream } from '@kcptunb/smux';
import { markdownTable, measure, type BenchRow } from './harness.js';

const FRAMES_PER_CALL = 64;

function benchSessions(streamCount: number, frameSize: number): BenchRow {
  let now = 0;
  const config = { maxFrameSize: frameSize };
  const client = new SmuxSession({ role: 'client', now, config });
  const server = new SmuxSession({ role: 'server', now, config });
  const streams: SmuxStream[] = [];
  for (let i = 0; i < streamCount; i++) streams.push(client.openStream());
  const framesPerStream = FRAMES_PER_CALL / streamCount;
  const chunk = new Uint8Array(framesPerStream * frameSize).fill(0x5a);
  let received = 0;

  const call = () => {
    now++;
    for (const st of streams) st.write(chunk); // one write of framesPerStream frames each
    server.input(client.takeOutput()!, now);
    for (const ev of server.takeEvents()) {
      if (ev.type === 'stream-readable') for (let b = ev.stream.read(Infinity, now); b; b = ev.stream.read(Infinity, now)) received += b.length;
    }
    const back = server.takeOutput(); // ACKs, FUL/EMP if any
    if (back) client.input(back, now);
    client.takeEvents();
  };
  call(); // SYNs and the first pings out of the way
  const row = measure(`smux ${streamCount} stream${streamCount > 1 ? 's' : ''}, ${frameSize}-byte frames`, call, FRAMES_PER_CALL, FRAMES_PER_CALL * frameSize, {
    unit: 'frame',
  });
  if (received === 0 || client.closed || server.closed) throw new Error('smux bench: sessions did not exchange data');
  return row;
}

function benchDecoder(frameSize: number): BenchRow {
  const payload = new Uint8Array(frameSize).fill(0xa5);
  const one = encodeFrame(2, 3, payload);
  const buffer = new Uint8Array(one.length * FRAMES_PER_CALL);
  for (let i = 0; i < FRAMES_PER_CALL; i++) buffer.set(one, i * one.length);
  const decoder = new FrameDecoder();
  let frames = 0;
  const onFrame = () => {
    frames++;
  };
  const row = measure(`smux FrameDecoder only, ${frameSize}-byte frames`, () => decoder.push(buffer, onFrame), FRAMES_PER_CALL, FRAMES_PER_CALL * frameSize, {
    unit: 'frame',
  });
  if (frames === 0) throw new Error('smux bench: decoder saw no frames');
  return row;
}

export function benchSmux(): BenchRow[] {
  return [
    benchSessions(1, 1024),
    benchSessions(16, 1024),
    benchSessions(1, 32767),
    benchSessions(16, 32767),
    benchDecoder(1024),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(markdownTable(benchSmux()));
}
