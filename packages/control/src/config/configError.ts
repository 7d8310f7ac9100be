/** A bad flag, value or config file: the CLI prints the message on one line and exits with code 2. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
