/**
 * kcptun-style log lines. The CLI writes them with Go's default `log` prefix `YYYY/MM/DD HH:MM:SS `
 * to stderr or to --log FILE; the library hands each line (without the prefix) to a sink and
 * writes nothing unless asked.
 */
import { appendFileSync } from 'node:fs';

/** Where a line goes besides (or instead of) a file: the library's 'log' event. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  /** Append prefixed lines to this file ('' = none). */
  file?: string;
  /** Prefixed lines to stderr (when there is no file, or it is unusable). */
  stderr?: boolean;
  /** Every line, unprefixed. */
  sink?: LogSink;
  /** Drop the per-stream open/close lines (--quiet). */
  quiet?: boolean;
}

export class Logger {
  readonly quiet: boolean;
  private readonly file: string;
  private readonly stderr: boolean;
  private readonly sink: LogSink | undefined;

  constructor(o: LoggerOptions = {}) {
    this.file = o.file ?? '';
    this.stderr = o.stderr ?? false;
    this.sink = o.sink;
    this.quiet = o.quiet ?? false;
  }

  /** A logger that writes nothing (embedded use, demos). */
  static silent(): Logger {
    return new Logger({ quiet: true });
  }

  static prefix(d = new Date()): string {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} `;
  }

  log(...parts: unknown[]): void {
    const text = parts.map((p) => (typeof p === 'string' ? p : String(p))).join(' ');
    this.sink?.(text);
    if (!this.file && !this.stderr) return;
    const line = Logger.prefix() + text + '\n';
    if (this.file) {
      try {
        appendFileSync(this.file, line, { mode: 0o666 });
        return;
      } catch {
        // fall through to stderr when the log file is unusable
      }
    }
    process.stderr.write(line);
  }

  /** Per-stream open/close lines, silenced by --quiet. */
  stream(...parts: unknown[]): void {
    if (!this.quiet) this.log(...parts);
  }
}
