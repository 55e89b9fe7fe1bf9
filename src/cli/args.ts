// Command-line parsing: argv in, a command object out, or a UsageError naming
// what is wrong. Nothing here starts anything, so it is tested directly.

export class UsageError extends Error {
  /** The command whose usage to point at. */
  readonly command: 'start' | undefined;
  constructor(message: string, command?: 'start') {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface StartOptions {
  dataDir?: string;
  kafkaPort?: number;
  httpPort?: number;
  configFile?: string;
  /** "key=value" strings in the order given. */
  overrides: string[];
}

export type Command =
  | { kind: 'help'; topic?: 'start' }
  | { kind: 'version' }
  | { kind: 'start'; options: StartOptions };

const START_VALUE_FLAGS = ['--data-dir', '--kafka-port', '--http-port', '--config', '--override'] as const;
type StartValueFlag = (typeof START_VALUE_FLAGS)[number];

function parsePort(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`${flag} must be a port number between 0 and 65535 (0 picks a free port), got '${text}'`, 'start');
  }
  return Number(text);
}

function parseStart(args: readonly string[]): Command {
  const options: StartOptions = { overrides: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help', topic: 'start' };
    if (arg === '--') throw new UsageError(`unexpected '--'`, 'start');
    if (!arg.startsWith('-')) {
      throw new UsageError(`unexpected argument '${arg}'${arg.endsWith('.properties') ? ` (use --config ${arg})` : ''}`, 'start');
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(START_VALUE_FLAGS as readonly string[]).includes(flag)) throw new UsageError(`unknown option '${flag}'`, 'start');
    let value: string;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`${flag} needs a value`, 'start');
      value = next;
      i++;
    }
    switch (flag as StartValueFlag) {
      case '--data-dir':
        if (value === '') throw new UsageError('--data-dir needs a directory', 'start');
        options.dataDir = value;
        break;
      case '--kafka-port': options.kafkaPort = parsePort(flag, value); break;
      case '--http-port': options.httpPort = parsePort(flag, value); break;
      case '--config':
        if (value === '') throw new UsageError('--config needs a file', 'start');
        options.configFile = value;
        break;
      case '--override':
        if (value.indexOf('=') <= 0) throw new UsageError(`--override needs key=value, got '${value}'`, 'start');
        options.overrides.push(value);
        break;
    }
  }
  return { kind: 'start', options };
}

/** Parses the arguments after `tributary` (process.argv.slice(2)). Throws UsageError. */
export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'help' };
  if (first === '--version' || first === '-V' || first === 'version') return { kind: 'version' };
  if (first === 'help') {
    if (rest.length === 0) return { kind: 'help' };
    if (rest[0] === 'start') return { kind: 'help', topic: 'start' };
    throw new UsageError(`unknown command '${rest[0]}'`);
  }
  if (first === 'start') return parseStart(rest);
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}'`);
  throw new UsageError(`unknown command '${first}'`);
}
