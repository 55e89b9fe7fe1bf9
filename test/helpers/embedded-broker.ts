// Starts the platform in this process on ephemeral ports, for integration tests that
// need a real listener but not a child process (faster, and stack traces stay local).
// Same shape as startBrokerProcess where it makes sense; honours TRIBUTARY_TEST_BOOTSTRAP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromOptions, type RunningPlatform, type StartPlatform } from '../../src/cli/start.js';

export interface EmbeddedBroker {
  host: string;
  port: number;
  bootstrap: string;
  httpPort: number;
  dataDir: string;
  external: boolean;
  platform: RunningPlatform | null;
  stop(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  dataDir?: string;
  /** "key=value" Kafka property overrides, as `--override` takes them. */
  overrides?: string[];
  /** Remove the data directory on stop when we created it (default true). */
  cleanup?: boolean;
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const external = process.env['TRIBUTARY_TEST_BOOTSTRAP'];
  if (external) {
    const [host, port] = external.split(',')[0]!.trim().split(':');
    return {
      host: host!, port: Number(port), bootstrap: `${host}:${port}`, httpPort: 0, dataDir: '', external: true,
      platform: null, stop: async () => {},
    };
  }
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-embedded-'));
  const config = configFromOptions({ dataDir, kafkaPort: 0, httpPort: 0, overrides: opts.overrides ?? [] });
  // Loaded by name, as the CLI does, so this helper compiles before src/platform.ts exists.
  const specifier = '../../src/platform.js';
  const mod = (await import(specifier)) as { startPlatform?: StartPlatform };
  if (typeof mod.startPlatform !== 'function') throw new Error('src/platform.ts does not export startPlatform');
  let platform: RunningPlatform;
  try {
    platform = await mod.startPlatform(config);
  } catch (e) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const listener = platform.kafka[0];
  if (!listener) throw new Error('the platform started with no Kafka listener');
  return {
    host: listener.host,
    port: listener.port,
    bootstrap: `${listener.host}:${listener.port}`,
    httpPort: platform.http?.port ?? 0,
    dataDir,
    external: false,
    platform,
    stop: async () => {
      await platform.stop();
      if (ownDir && opts.cleanup !== false) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
