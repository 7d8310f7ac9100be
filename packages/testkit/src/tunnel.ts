/**
 * A tunnel: one server and one client process (ours or Debian kcptun, each side
 * either), started in order and ready by condition — the server's UDP port is
 * bound, the client's TCP port accepts — never after a fixed sleep.
 */
import { commandFor, type Impl, type Side } from './binaries.js';
import { canConnect, freeTcpPort, freeUdpPort, udpBound } from './ports.js';
import { Proc } from './proc.js';
import { snmpOf } from './processMemory.js';
import { sleep } from './wait.js';

export interface TunnelSpec {
  client: Impl;
  server: Impl;
  /** The TCP target the server forwards to, on 127.0.0.1. */
  targetPort: number;
  /** Server flags after `-l … -t …`. */
  serverArgs: string[];
  /** Client flags after `-l … -r …`. */
  clientArgs: string[];
  env?: NodeJS.ProcessEnv;
  /** Output kept per process (characters); unlimited by default. */
  keepChars?: number;
  /**
   * Called once the server is up with its UDP port; returns the UDP port the client
   * dials (e.g. an impairment relay in front of the server). The server's port by default.
   */
  dialVia?: (serverUdpPort: number) => Promise<number>;
  /** Bound on the whole start-up. */
  timeoutMs?: number;
  /** A kcptun port range of this many ports: the server listens on `udpPort`..+n−1, the client dials the range. */
  ports?: number;
}

/** `n` consecutive UDP ports nothing is bound to (a few tries; the first is the kernel's pick). */
async function freeUdpRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freeUdpPort();
    if (first + n - 1 > 65535) continue;
    let free = true;
    for (let p = first + 1; p < first + n && free; p++) free = udpBound(p) === false;
    if (free) return first;
  }
  throw new Error(`no ${n} consecutive free UDP ports found`);
}

/** Both Procs are handed to `onStart` as soon as they exist, so an owner can stop them whatever happens. */
export type OnStart = (p: Proc) => void;

export function startSide(impl: Impl, side: Side, args: string[], opts: { env?: NodeJS.ProcessEnv; keepChars?: number } = {}): Proc {
  const c = commandFor(impl, side);
  // the launcher's environment under the caller's: a test may still override it
  const env = c.env ? { ...c.env, ...(opts.env ?? process.env) } : opts.env;
  return new Proc(c.label, c.cmd, [...c.args, ...args], { ...opts, env });
}

/**
 * The server's UDP port is bound. Debian kcptun prints "listening on" with its
 * configuration, before key derivation and the bind, so the log line is only the
 * fallback where /proc/net/udp cannot be read (ours prints it after binding).
 */
export function serverReady(server: Proc, udpPort: number): boolean {
  return udpBound(udpPort) ?? /listening on/.test(server.output());
}

export class Tunnel {
  private constructor(readonly spec: TunnelSpec, readonly server: Proc, readonly client: Proc, readonly port: number, readonly udpPort: number) {}

  /** Start server, then client; resolve once the client's TCP port accepts (bounded by `timeoutMs`). */
  static async start(spec: TunnelSpec, onStart: OnStart = () => {}): Promise<Tunnel> {
    const timeoutMs = spec.timeoutMs ?? 15000;
    const deadline = Date.now() + timeoutMs;
    const n = spec.ports ?? 1;
    const udpPort = n > 1 ? await freeUdpRange(n) : await freeUdpPort();
    const ports = n > 1 ? `${udpPort}-${udpPort + n - 1}` : `${udpPort}`;
    const port = await freeTcpPort();
    const opts = { env: spec.env, keepChars: spec.keepChars };
    const server = startSide(spec.server, 'server', ['-l', `127.0.0.1:${ports}`, '-t', `127.0.0.1:${spec.targetPort}`, ...spec.serverArgs], opts);
    onStart(server);
    let client: Proc | undefined;
    try {
      // the server should be up before the client dials
      while (!Array.from({ length: n }, (_, i) => udpPort + i).every((p) => serverReady(server, p))) {
        if (!server.alive) throw new Error(`${server.label} died during start-up (${server.exitDescription}); last output:\n${server.tail()}`);
        if (Date.now() > deadline) throw new Error(`${server.label} did not bind UDP 127.0.0.1:${udpPort} within ${timeoutMs} ms; last output:\n${server.tail()}`);
        await sleep(20);
      }
      const dial = spec.dialVia ? await spec.dialVia(udpPort) : ports;
      client = startSide(spec.client, 'client', ['-l', `127.0.0.1:${port}`, '-r', `127.0.0.1:${dial}`, ...spec.clientArgs], opts);
      onStart(client);
      const t = new Tunnel(spec, server, client, port, udpPort);
      while (!(await canConnect(port))) {
        t.assertAlive('start-up');
        if (Date.now() > deadline) throw new Error(`${client.label} did not accept on 127.0.0.1:${port} within ${timeoutMs} ms; last output:\n${client.tail()}`);
        await sleep(50);
      }
      return t;
    } catch (e) {
      await Promise.all([server.stop(), client?.stop()]);
      throw e;
    }
  }

  /** Throws if either process has exited. */
  assertAlive(stage: string): void {
    for (const p of [this.server, this.client]) {
      if (!p.alive) {
        // the harness signals tunnel processes only when it stops them, never during a measurement
        const signalled = p.child.signalCode !== null || /SIG(TERM|INT): shutting down/.test(p.tail(5));
        const why = signalled ? ' — a signal the harness did not send: something else on the machine killed it' : '';
        throw new Error(`${p.label} died during ${stage} (${p.exitDescription})${why}; last output:\n${p.tail()}`);
      }
    }
  }

  /**
   * `error` with what both ends say now, for a failure message: their SNMP lines (asked for with
   * SIGUSR1, bounded) and their last lines of output.
   */
  async explain(error: unknown): Promise<Error> {
    const e = error instanceof Error ? error : new Error(String(error));
    for (const p of [this.client, this.server]) {
      if (p.alive) await snmpOf(p, 2000).catch(() => undefined);
      e.message += `\n--- ${p.label} (${p.alive ? 'running' : p.exitDescription}), last output:\n${p.tail(12)}`;
    }
    return e;
  }

  cpu(): { client: number; server: number } {
    return { client: this.client.cpuSeconds(), server: this.server.cpuSeconds() };
  }

  peakRss(): { clientKiB: number; serverKiB: number } {
    return { clientKiB: this.client.peakRssKiB(), serverKiB: this.server.peakRssKiB() };
  }

  async stop(): Promise<void> {
    this.cpu();
    this.peakRss();
    await Promise.all([this.client.stop(), this.server.stop()]);
  }
}
