/** --log FILE must be appendable before anything starts (else one ConfigError: the CLI's line and exit code 2). */
import { closeSync, openSync } from 'node:fs';
import { ConfigError } from './configError.js';

export function checkLogFile(file: string): void {
  if (!file) return;
  try {
    closeSync(openSync(file, 'a', 0o666));
  } catch (e) {
    throw new ConfigError(`--log ${file}: cannot append to it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
