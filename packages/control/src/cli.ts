/**
 * `kcptunb client …` / `kcptunb server …`. commander dispatches the two
 * commands; each parses its flags in kcptunB's Go dialect (config/goArgs.ts).
 * A bad flag or config is one line on stderr and exit code 2, found before
 * anything is printed or bound (resolveConfig verifies every layer's settings).
 */
import { Command } from 'commander';
import { KcptunbClient } from './api/client.js';
import { KcptunbServer } from './api/server.js';
import { ConfigError } from './config/configError.js';
import { helpText, VERSION } from './config/help.js';
import { checkLogFile } from './config/logFile.js';
import { resolveConfig } from './config/resolve.js';
import type { Side } from './config/tunnelConfig.js';
import type { TunnelSettings } from './config/tunnelSettings.js';
import { Logger } from './runtime/logger.js';
import { installSignals } from './runtime/signals.js';

/**
 * Start a tunnel from settings that tunnelSettings() has checked, through the library API
 * (the CLI is one of its users): lines go to stderr or --log, with Go's time prefix.
 */
export async function startTunnel(settings: TunnelSettings): Promise<KcptunbClient | KcptunbServer> {
  const log = { stderr: true };
  if (settings.side === 'client') {
    const client = new KcptunbClient(settings, true, log);
    await client.start();
    return client;
  }
  const server = new KcptunbServer(settings, undefined, log);
  await server.listen();
  return server;
}

async function runSide(side: Side, args: string[]): Promise<number> {
  const r = resolveConfig(side, args);
  if (r.kind === 'help') {
    process.stdout.write(helpText(side));
    return 0;
  }
  if (r.kind === 'version') {
    process.stdout.write(`kcptun version ${VERSION}\n`);
    return 0;
  }
  checkLogFile(r.config.log);
  // the lines the CLI writes itself (warnings, signals) go where the tunnel's go
  const logger = new Logger({ file: r.config.log, quiet: r.config.quiet, stderr: true });
  for (const warning of r.warnings) logger.log(warning);
  const tunnel = await startTunnel(r.settings);
  // SIGINT/SIGTERM: kcptun stops at once (no drain), and so does the CLI
  installSignals(logger, () => tunnel.snmp()!, () => tunnel.close({ drainMs: 0 }));
  return -1; // keep running
}

/** `kcptunb help client` and `kcptunb client help` (the urfave/cli spellings kcptun users know): that side's flags. */
function helpSide(argv: readonly string[]): Side | null {
  const isSide = (w: string | undefined): w is Side => w === 'client' || w === 'server';
  if (argv.length !== 2) return null;
  if (argv[0] === 'help' && isSide(argv[1])) return argv[1];
  if (argv[1] === 'help' && isSide(argv[0])) return argv[0];
  return null;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const askedHelp = helpSide(argv);
  if (askedHelp) {
    process.stdout.write(helpText(askedHelp));
    return;
  }
  const program = new Command('kcptunb')
    .description('kcptunB in TypeScript: TCP over KCP/UDP with FEC, encryption and compression')
    .version(`kcptun version ${VERSION}`, '-v, --version')
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => {} }) // errors are reported below, on one line
    .exitOverride();
  let code = -1;
  for (const side of ['client', 'server'] as const) {
    program
      .command(side)
      .description(side === 'client' ? 'run the client: local TCP → KCP/UDP' : 'run the server: KCP/UDP → target TCP')
      .helpOption(false)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .argument('[flags...]')
      .action(async (flags: string[]) => {
        code = await runSide(side, flags);
      });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`kcptunb: ${e.message}\n`);
      process.exit(2);
    }
    const ce = e as { code?: string; exitCode?: number; message?: string };
    if (ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version') process.exit(0);
    if (ce.code === 'commander.help') {
      // no command given: usage on stderr
      process.stderr.write(program.helpInformation());
      process.exit(2);
    }
    if (ce.code?.startsWith('commander.')) {
      process.stderr.write(`kcptunb: ${ce.message?.replace(/^error: /, '')}\n`);
      process.exit(2);
    }
    process.stderr.write(`kcptunb: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (code >= 0) process.exit(code);
}
