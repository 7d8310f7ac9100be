/**
 * One child process under the harness: its output kept for readiness checks and
 * diagnostics, CPU and peak-RSS readings from /proc, and a bounded stop
 * (SIGTERM, then SIGKILL). Every child still running when this process exits is killed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sleep, waitFor } from './wait.js';

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Kill every child still running (SIGKILL); for signal handlers of long-running drivers. */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  /** Keep at most this many characters of output (the newest half survives a trim); unlimited by default. */
  keepChars?: number;
}

export class Proc {
  readonly child: ChildProcess;
  private out = '';
  private readonly exited: Promise<void>;
  private lastCpu = 0;
  private lastHwmKiB = 0;

  constructor(readonly label: string, cmd: string, readonly args: string[], opts: ProcOptions = {}) {
    this.child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    const keep = opts.keepChars;
    const append = (d: Buffer) => {
      this.out += d.toString();
      if (keep !== undefined && this.out.length > keep) this.out = this.out.slice(-Math.floor(keep / 2));
    };
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', () => live.delete(this.child));
    this.child.once('error', (e) => (this.out += `\n[spawn error] ${e.message}\n`));
  }

  get commandLine(): string {
    return [this.child.spawnfile, ...this.args].join(' ');
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get exitDescription(): string {
    return this.child.signalCode ? `killed by ${this.child.signalCode}` : `exit code ${this.child.exitCode}`;
  }

  /** Everything the process wrote to stdout and stderr so far (within `keepChars`). */
  output(): string {
    return this.out;
  }

  /** The last `lines` lines the process printed. */
  tail(lines = 12): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Resolve once the output matches `pattern`; reject if the process exits first or after `timeoutMs`. */
  async waitOutput(pattern: RegExp, timeoutMs: number, what = `${this.label} to print ${pattern}`): Promise<void> {
    await waitFor(
      () => {
        if (pattern.test(this.out)) return true;
        if (!this.alive) throw new Error(`${this.label} exited (${this.exitDescription}) while waiting for ${what}; last output:\n${this.tail()}`);
        return false;
      },
      timeoutMs,
      what,
      { diag: () => this.tail() },
    );
  }

  /** Resolve with (code, signal) once the process has exited; reject after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<[number | null, string | null]> {
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!gone) throw new Error(`${this.label} still running ${timeoutMs} ms later; last output:\n${this.tail()}`);
    return [this.child.exitCode, this.child.signalCode];
  }

  /** utime + stime in seconds (the whole process: every thread). Last reading if the process is gone. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // after "pid (comm) ": f[0] is field 3 (state); utime = field 14, stime = field 15
      this.lastCpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {
      // exited: keep the last reading
    }
    return this.lastCpu;
  }

  /** Peak resident set (VmHWM) in KiB. Last reading if the process is gone. */
  peakRssKiB(): number {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      if (m) this.lastHwmKiB = Number(m[1]);
    } catch {
      // exited
    }
    return this.lastHwmKiB;
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves when the process is gone (bounded). */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (killed && this.alive) {
      this.out += `\n[harness] no exit ${graceMs} ms after SIGTERM: SIGKILL\n`;
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, sleep(2000)]);
    }
  }
}
