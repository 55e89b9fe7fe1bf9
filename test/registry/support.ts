// A registry on its own HTTP server over an in-memory `_schemas`, for tests of
// the REST surface and the registry's rules without a broker.
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { FORMATS } from '../../src/registry/formats/index.js';
import { RegistryService } from '../../src/registry/registry.js';
import { registryRoute, type RegistryRouteOptions } from '../../src/registry/rest.js';
import { InMemorySchemaLog, type SchemaLog } from '../../src/registry/schema-log.js';

export interface TestRegistry {
  url: string;
  service: RegistryService;
  log: SchemaLog;
  http: HttpServer;
  stop(): Promise<void>;
}

export async function startTestRegistry(opts: { log?: SchemaLog; route?: RegistryRouteOptions } = {}): Promise<TestRegistry> {
  const log = opts.log ?? new InMemorySchemaLog();
  const service = new RegistryService(log, { formats: FORMATS, writeTimeoutMs: 5_000 });
  await service.start();
  const http = await startHttpServer('127.0.0.1', 0, [registryRoute(service, opts.route)]);
  return {
    url: `http://127.0.0.1:${http.port}${opts.route?.prefix ?? ''}`,
    service, log, http,
    stop: async () => {
      await http.close();
      await service.stop();
    },
  };
}

export const SR_JSON = 'application/vnd.schemaregistry.v1+json';

/** A request against the registry; resolves with the status and the parsed JSON body. */
export async function call(base: string, method: string, path: string, body?: unknown, contentType = SR_JSON): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method, headers: { 'content-type': contentType } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* raw schema text */ }
  return { status: res.status, body: parsed };
}
