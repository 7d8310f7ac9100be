/**
 * Everything one test file starts — processes, tunnels, TCP servers, temp dirs,
 * relays — registered as it is created and released by one `cleanup()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Impl, Side } from './binaries.js';
import { startEchoServer, type EchoStats } from './echo.js';
import type { Proc } from './proc.js';
import { startSide, Tunnel, type TunnelSpec } from './tunnel.js';

export class ProcessGroup {
  private readonly procs: Proc[] = [];
  private readonly servers: Server[] = [];
  private readonly dirs: string[] = [];
  private readonly closers: Array<() => Promise<void> | void> = [];

  /** Start one side of `impl` with `args`; stopped by `cleanup()`. */
  start(impl: Impl, side: Side, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
    const p = startSide(impl, side, args, { env });
    this.procs.push(p);
    return p;
  }

  /** A tunnel whose processes are stopped by `cleanup()` (and by `Tunnel.start` itself if start-up fails). */
  tunnel(spec: TunnelSpec): Promise<Tunnel> {
    return Tunnel.start(spec, (p) => this.procs.push(p));
  }

  /** A TCP echo server on 127.0.0.1; returns its port. */
  async echoServer(): Promise<number> {
    return (await this.echoTarget()).port;
  }

  /** A TCP echo server on 127.0.0.1 with a snapshot of what it has echoed so far. */
  async echoTarget(): Promise<{ port: number; stats: () => EchoStats }> {
    const { server, stats } = await startEchoServer();
    this.servers.push(server);
    return { port: (server.address() as { port: number }).port, stats: () => ({ ...stats }) };
  }

  track(server: Server): void {
    this.servers.push(server);
  }

  /** Anything else with a close (a UDP relay, a socket). */
  onCleanup(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /** A fresh directory under the OS temp dir, removed by `cleanup()`. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Lines in which our processes reported a lost wake-up their scheduler's audit had to rescue
   * (a bug: each stalled a stream for up to two seconds), with the process that printed them.
   */
  missedWakeups(): string[] {
    return missedWakeupsIn(this.procs);
  }

  async cleanup(): Promise<void> {
    const stopping = this.procs.splice(0);
    await Promise.all(stopping.map((p) => p.stop()));
    const missed = missedWakeupsIn(stopping);
    if (missed.length > 0) console.log(`# lost wake-ups rescued by the scheduler audit:\n${missed.map((l) => `#   ${l}`).join('\n')}`);
    await Promise.all(this.closers.splice(0).map((c) => c()));
    // a server closes once its last connection has; the processes that held them are gone, so this is quick — bounded anyway
    await Promise.all(this.servers.splice(0).map((s) => Promise.race([new Promise<void>((r) => s.close(() => r())), new Promise<void>((r) => setTimeout(r, 2000).unref())])));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

function missedWakeupsIn(procs: readonly Proc[]): string[] {
  return procs.flatMap((p) => p.output().split('\n').filter((line) => line.includes('missed wake-up')).map((line) => `${p.label}: ${line.trim()}`));
}
