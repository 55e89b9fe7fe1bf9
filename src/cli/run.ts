// Dispatches a command line: help, version, start, service-accounts, api-keys. Usage and configuration
// errors print one line on stderr and give exit code 2, never a stack trace.

import { ConfigError } from '../config/broker-config.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { parseCommandLine, UsageError } from './args.js';
import { MAIN_HELP, readVersion, START_HELP } from './help.js';
import type { StartDeps } from './start.js';
import { configFromOptions, runStart } from './start.js';
import { IamCliError, isIamCommand, runIam } from './iam.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliDeps extends StartDeps {
  /** Replaces runStart, e.g. to test dispatch without starting anything. */
  start?: (config: BrokerConfig, deps: StartDeps) => Promise<void>;
}

/**
 * Runs the command line. Returns the exit code, or null when `start` is running
 * (it exits on its own once stopped).
 */
export async function runCli(argv: readonly string[], deps: CliDeps = {}): Promise<number | null> {
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  try {
    if (isIamCommand(argv)) {
      try {
        return await runIam(argv, stdout);
      } catch (err) {
        if (!(err instanceof IamCliError)) throw err;
        stderr(`tributary: ${err.message}\n`);
        return EXIT_FAILURE;
      }
    }
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case 'help':
        stdout(command.topic === 'start' ? START_HELP : MAIN_HELP);
        return EXIT_OK;
      case 'version':
        stdout(`${readVersion()}\n`);
        return EXIT_OK;
      case 'start': {
        const config = configFromOptions(command.options);
        await (deps.start ?? runStart)(config, deps);
        return null;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const helpCommand = err.command === 'start' ? 'tributary start --help' : 'tributary --help';
      stderr(`tributary: ${err.message}\nRun '${helpCommand}' for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      stderr(`tributary: configuration error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
