/**
 * Real tunnel processes for the end-to-end and interop tiers: our `kcptunb`
 * (client/server) and Debian's kcptun, a TCP echo target, and SHA-256-verified
 * transfers through the tunnel. Everything started is stopped by `cleanup()`;
 * every wait is bounded.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { freeTcpPort, freeUdpPort, requireKcptun, sleep, startProcess, type Managed } from './processes.js';
import { REPO_ROOT } from './vectors.js';

export const KCPTUNB_BIN = join(REPO_ROOT, 'packages/control/bin/kcptunb.js');

export type Impl = 'ours' | 'kcptun';

export class ProcessGroup {
  private readonly procs: Managed[] = [];
  private readonly servers: Server[] = [];

  start(impl: Impl, side: 'client' | 'server', args: string[], env: NodeJS.ProcessEnv = process.env): Managed {
    const m = impl === 'ours' ? startProcess(process.execPath, [KCPTUNB_BIN, side, ...args], env) : startProcess(requireKcptun(side === 'client' ? 'kcptun-client' : 'kcptun-server'), args, env);
    this.procs.push(m);
    return m;
  }

  /** A TCP echo server on 127.0.0.1 (the tunnel's target). */
  async echoServer(): Promise<number> {
    const server = createServer((s) => {
      s.on('error', () => {});
      s.pipe(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.push(server);
    return (server.address() as { port: number }).port;
  }

  track(server: Server): void {
    this.servers.push(server);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    for (const s of this.servers) s.close();
  }
}

/** Flags shared by both ends of a tunnel in a test. */
export interface TunnelFlags {
  crypt?: string;
  key?: string;
  nocomp?: boolean;
  extra?: string[];
}

function common(f: TunnelFlags, impl: Impl): string[] {
  const a = ['--key', f.key ?? 'test key', '--crypt', f.crypt ?? 'aes', '--quiet'];
  if (f.nocomp) a.push('--nocomp');
  if (impl === 'ours' && f.extra) a.push(...f.extra);
  return a;
}

export interface Tunnel {
  /** The client's local TCP port. */
  port: number;
  udpPort: number;
  client: Managed;
  server: Managed;
}

/** Start server then client (either implementation each) in front of `targetPort`. */
export async function startTunnel(group: ProcessGroup, clientImpl: Impl, serverImpl: Impl, targetPort: number, flags: TunnelFlags = {}, clientExtra: string[] = [], serverExtra: string[] = []): Promise<Tunnel> {
  const udpPort = await freeUdpPort();
  const port = await freeTcpPort();
  const server = group.start(serverImpl, 'server', ['-l', `127.0.0.1:${udpPort}`, '-t', `127.0.0.1:${targetPort}`, ...common(flags, serverImpl), ...serverExtra]);
  await sleep(serverImpl === 'ours' ? 300 : 100);
  const client = group.start(clientImpl, 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${udpPort}`, ...common(flags, clientImpl), ...clientExtra]);
  await waitListening(port, 8000, () => client.output());
  return { port, udpPort, client, server };
}

/** Resolve once something accepts TCP on 127.0.0.1:port. */
export async function waitListening(port: number, timeoutMs: number, diag: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms\n${diag()}`);
    await sleep(50);
  }
}

export interface EchoResult {
  bytes: number;
  ms: number;
}

/**
 * Send `bytes` of seeded random data through the tunnel to the echo target and
 * verify, by SHA-256, that exactly the same bytes come back.
 */
export function echoTransfer(port: number, bytes: number, timeoutMs: number, opts: { chunk?: number } = {}): Promise<EchoResult> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let received = 0;
    let written = 0;
    const chunk = opts.chunk ?? 256 * 1024;
    const sock: Socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`echo of ${bytes} bytes timed out after ${timeoutMs} ms (received ${received})`));
    }, timeoutMs);
    const writeMore = () => {
      while (written < bytes) {
        const n = Math.min(chunk, bytes - written);
        const data = randomBytes(n);
        sent.update(data);
        written += n;
        if (!sock.write(data)) return;
      }
    };
    sock.on('connect', writeMore);
    sock.on('drain', writeMore);
    sock.on('data', (d: Buffer) => {
      got.update(d);
      received += d.length;
      if (received > bytes) {
        clearTimeout(timer);
        sock.destroy();
        reject(new Error(`received ${received} > sent ${bytes}`));
      } else if (received === bytes) {
        clearTimeout(timer);
        sock.end();
        const a = sent.digest('hex');
        const b = got.digest('hex');
        if (a !== b) reject(new Error(`SHA-256 mismatch after ${bytes} bytes`));
        else resolve({ bytes, ms: Date.now() - t0 });
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      if (received < bytes) {
        clearTimeout(timer);
        reject(new Error(`connection closed after ${received} of ${bytes} bytes`));
      }
    });
  });
}

/** `n` concurrent echo transfers of `bytes` each. */
export async function concurrentEchoes(port: number, n: number, bytes: number, timeoutMs: number): Promise<EchoResult[]> {
  return Promise.all(Array.from({ length: n }, () => echoTransfer(port, bytes, timeoutMs, { chunk: 16 * 1024 })));
}
