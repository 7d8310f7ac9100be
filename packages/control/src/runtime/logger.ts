/** kcptun-style log lines: Go's default `log` prefix `YYYY/MM/DD HH:MM:SS `, to stderr or to --log FILE. */
import { appendFileSync } from 'node:fs';

export class Logger {
  constructor(private readonly file = '', readonly quiet = false, private readonly silent = false) {}

  /** A logger that writes nothing (embedded use, demos). */
  static silent(): Logger {
    return new Logger('', true, true);
  }

  static prefix(d = new Date()): string {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} `;
  }

  log(...parts: unknown[]): void {
    if (this.silent) return;
    const line = Logger.prefix() + parts.map((p) => (typeof p === 'string' ? p : String(p))).join(' ') + '\n';
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
