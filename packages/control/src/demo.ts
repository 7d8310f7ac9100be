/**
 * `npm start`: the whole product on loopback with embedded defaults — a TCP
 * echo target, a kcptunb server and client from the library API (both in this process, each
 * with its own data-plane workers), a 64 MiB transfer through the tunnel and a
 * 64-byte ping-pong; prints throughput and RTT, then shuts everything down.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createClient } from './api/client.js';
import { createServer } from './api/server.js';
import { freeUdpPort } from './runtime/loopbackPorts.js';

const MiB = 1 << 20;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

async function transfer(port: number, bytes: number): Promise<number> {
  const s = await open(port);
  s.setNoDelay(true);
  const sent = createHash('sha256');
  const got = createHash('sha256');
  const t0 = performance.now();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    s.on('data', (d: Buffer) => {
      got.update(d);
      received += d.length;
      if (received === bytes) resolve();
    });
    s.on('error', reject);
    let written = 0;
    const pump = () => {
      while (written < bytes) {
        const chunk = randomBytes(Math.min(256 * 1024, bytes - written));
        sent.update(chunk);
        written += chunk.length;
        if (!s.write(chunk)) return;
      }
    };
    s.on('drain', pump);
    pump();
  });
  const ms = performance.now() - t0;
  s.destroy();
  if (sent.digest('hex') !== got.digest('hex')) throw new Error('echo mismatch');
  return ms;
}

async function pingPong(port: number, rounds: number): Promise<number[]> {
  const s = await open(port);
  s.setNoDelay(true);
  const rtts: number[] = [];
  const msg = randomBytes(64);
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let n = 0;
      const onData = (d: Buffer) => {
        n += d.length;
        if (n >= 64) {
          s.off('data', onData);
          resolve();
        }
      };
      s.on('data', onData);
      s.write(msg);
    });
    rtts.push(performance.now() - t0);
  }
  s.destroy();
  return rtts.sort((a, b) => a - b);
}

export async function runDemo(): Promise<void> {
  const echo = createNetServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const targetPort = (echo.address() as { port: number }).port;
  const server = createServer({ listen: `127.0.0.1:${await freeUdpPort()}`, target: `127.0.0.1:${targetPort}`, quiet: true });
  const udp = await server.listen();
  const client = createClient({ localaddr: '127.0.0.1:0', remoteaddr: `127.0.0.1:${udp.port}`, quiet: true });
  const local = (await client.start())!;
  console.log(`kcptunb demo: app → client 127.0.0.1:${local.port} → KCP/UDP 127.0.0.1:${udp.port} → server → echo 127.0.0.1:${targetPort}`);
  console.log('defaults: --crypt aes, --mode fast, FEC 10/3, snappy, kcptunB smux extensions');
  const ms = await transfer(local.port, 64 * MiB);
  console.log(`transfer: 64 MiB echoed (SHA-256 verified) in ${(ms / 1000).toFixed(2)} s = ${((64 / ms) * 1000).toFixed(1)} MiB/s each way`);
  const rtts = await pingPong(local.port, 200);
  const q = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))]!.toFixed(2);
  console.log(`ping-pong: 200 × 64 B, RTT p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
  const { snmp } = await client.stats();
  console.log(`client SNMP: OutPkts ${snmp.OutPkts} InPkts ${snmp.InPkts} RetransSegs ${snmp.RetransSegs} FECRecovered ${snmp.FECRecovered}`);
  await client.close({ drainMs: 0 });
  await server.close({ drainMs: 0 });
  echo.close();
}

runDemo().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`demo failed: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
