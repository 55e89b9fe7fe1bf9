// Starts the platform in this process with several named listeners (security
// tests): the listeners come from the given Kafka properties, every port is
// ephemeral, and the bound ports are returned by listener name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBrokerConfig } from '../../src/config/broker-config.js';
import { startPlatform, type RunningPlatform } from '../../src/platform.js';

export interface SecureBroker {
  platform: RunningPlatform;
  dataDir: string;
  /** Bound port of a listener, by name (upper case). */
  port(listener: string): number;
  stop(): Promise<void>;
}

export async function startSecureBroker(properties: Record<string, string>, dataDir?: string): Promise<SecureBroker> {
  const ownDir = dataDir === undefined;
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-secure-'));
  const config = loadBrokerConfig({ dataDir: dir, httpPort: 0, overrides: Object.entries(properties).map(([k, v]) => `${k}=${v}`) });
  let platform: RunningPlatform;
  try {
    platform = await startPlatform(config);
  } catch (err) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    platform,
    dataDir: dir,
    port(listener) {
      const l = platform.kafka.find((k) => k.name === listener.toUpperCase());
      if (l === undefined) throw new Error(`no listener ${listener}; have ${platform.kafka.map((k) => k.name).join(', ')}`);
      return l.port;
    },
    async stop() {
      await platform.stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
