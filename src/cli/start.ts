// `tributary start`: load the configuration, start the platform, print the ready
// line, and stop cleanly on SIGTERM/SIGINT (a second signal exits at once with 1).

import { performance } from 'node:perf_hooks';
import type { BrokerConfig } from '../config/broker-config.js';
import { loadBrokerConfig } from '../config/broker-config.js';
import { createLogger } from '../observability/logger.js';
import type { StartOptions } from './args.js';

/** The contract of src/platform.ts. */
export interface RunningPlatform {
  kafka: { name: string; host: string; port: number }[];
  http: { host: string; port: number } | null;
  dataDir: string;
  stop(): Promise<void>;
}

export type StartPlatform = (config: BrokerConfig) => Promise<RunningPlatform>;

export interface StartDeps {
  /** Defaults to startPlatform from src/platform.ts, loaded only when start runs. */
  startPlatform?: StartPlatform;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  exit?: (code: number) => void;
  /** Registers a signal handler; defaults to process.on. */
  onSignal?: (signal: NodeJS.Signals, handler: () => void) => void;
}

/** Maps the start options to the broker configuration (throws ConfigError). */
export function configFromOptions(options: StartOptions): BrokerConfig {
  return loadBrokerConfig({
    ...(options.configFile !== undefined ? { file: options.configFile } : {}),
    overrides: options.overrides,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.kafkaPort !== undefined ? { kafkaPort: options.kafkaPort } : {}),
    ...(options.httpPort !== undefined ? { httpPort: options.httpPort } : {}),
  });
}

/** The one line printed once the platform accepts connections. */
export function readyLine(running: RunningPlatform, elapsedMs: number): string {
  const kafka = running.kafka.map((l) => `${l.host}:${l.port} (${l.name})`).join(', ');
  const http = running.http !== null ? `HTTP on ${running.http.host}:${running.http.port}` : 'HTTP off';
  return `Tributary ready: Kafka on ${kafka}, ${http}, data in ${running.dataDir} (started in ${Math.round(elapsedMs)} ms)`;
}

/** A one-line reason for a failure to start (port in use, unreadable data directory, ...). */
export function describeStartError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const where = e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : e.path;
  switch (e.code) {
    case 'EADDRINUSE': return `address ${where ?? ''} is already in use`.replace('  ', ' ');
    case 'EADDRNOTAVAIL': return `address ${where ?? ''} is not available on this machine`;
    case 'EACCES':
    case 'EPERM': return `permission denied${where !== undefined ? `: ${where}` : ''} (${e.message})`;
    default: return e.message;
  }
}

async function loadPlatform(): Promise<StartPlatform> {
  // Loaded lazily so help and config errors never load the platform (a literal specifier, so
  // that tools/bundle.mjs takes the platform into the bundle).
  const mod = (await import('../platform.js')) as { startPlatform?: StartPlatform };
  if (typeof mod.startPlatform !== 'function') throw new Error('src/platform.ts does not export startPlatform');
  return mod.startPlatform;
}

/**
 * Starts the platform with an already-loaded config. Resolves once started (the process keeps
 * running until a signal); failures call exit(1).
 */
export async function runStart(config: BrokerConfig, deps: StartDeps = {}): Promise<void> {
  const log = createLogger('cli');
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  const onSignal = deps.onSignal ?? ((signal: NodeJS.Signals, handler: () => void) => void process.on(signal, handler));

  let running: RunningPlatform | null = null;
  let stopRequested = false;
  let stopping = false;

  const stop = (): void => {
    if (running === null || stopping) return;
    stopping = true;
    log.info('stopping');
    running.stop().then(
      () => {
        log.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        log.error('stop failed', { error: err instanceof Error ? err.message : String(err) });
        exit(1);
      },
    );
  };
  const handler = (signal: NodeJS.Signals) => (): void => {
    if (stopRequested) {
      log.warn('second signal, exiting without a clean stop', { signal });
      exit(1);
      return;
    }
    stopRequested = true;
    log.info('signal received', { signal });
    stop(); // if still starting, stop() runs once the platform is up
  };
  onSignal('SIGTERM', handler('SIGTERM'));
  onSignal('SIGINT', handler('SIGINT'));

  try {
    const startPlatform = deps.startPlatform ?? (await loadPlatform());
    running = await startPlatform(config);
  } catch (err) {
    stderr(`tributary: failed to start: ${describeStartError(err)}\n`);
    exit(1);
    return;
  }
  // performance.now() counts from the process's time origin, i.e. process start.
  stdout(`${readyLine(running, performance.now())}\n`);
  if (stopRequested) stop();
}
