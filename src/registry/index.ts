// The Schema Registry as a platform service: a Kafka client keeping its state
// in `_schemas` (ARCHITECTURE.md principle 6) and a Route for the HTTP server.

import { KafkaClient } from '../client/index.js';
import type { Route } from '../http/server.js';
import { FORMATS } from './formats/index.js';
import { KafkaSchemaLog } from './kafka-schema-log.js';
import { RegistryService } from './registry.js';
import { registryRoute } from './rest.js';
import type { CompatibilityLevel } from './types.js';

export { RegistryService } from './registry.js';
export { registryRoute } from './rest.js';

export interface SchemaRegistryOptions {
  bootstrap: string[];
  topic?: string;
  prefix?: string;
  defaultCompatibility?: CompatibilityLevel;
  clientId?: string;
}

export interface SchemaRegistry {
  service: RegistryService;
  route: Route;
  stop(): Promise<void>;
}

/** Connects, creates or replays `_schemas`, and returns the route to mount. */
export async function startSchemaRegistry(opts: SchemaRegistryOptions): Promise<SchemaRegistry> {
  const client = await KafkaClient.connect({ bootstrap: opts.bootstrap, clientId: opts.clientId ?? 'schema-registry' });
  const log = new KafkaSchemaLog(client, { createOnFirstWrite: true, ...(opts.topic !== undefined ? { topic: opts.topic } : {}) });
  const service = new RegistryService(log, {
    formats: FORMATS, ...(opts.defaultCompatibility !== undefined ? { defaultCompatibility: opts.defaultCompatibility } : {}),
  });
  try {
    await service.start();
  } catch (err) {
    await client.close();
    throw err;
  }
  const route = registryRoute(service, opts.prefix !== undefined ? { prefix: opts.prefix } : {});
  return {
    service, route,
    stop: async () => {
      await service.stop();
      await client.close();
    },
  };
}
