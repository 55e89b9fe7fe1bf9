// Confluent Schema Registry's REST API as a Route on the platform's HTTP
// server, optionally under a path prefix. Bodies are size-limited and must be
// one of the content types Confluent accepts; every error answer is
// Confluent's `{"error_code": ..., "message": ...}`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../http/server.js';
import { createLogger } from '../observability/logger.js';
import { Errors, RegistryError } from './errors.js';
import { parseVersion, type RegistryService, type SchemaRequest, type VersionSpec } from './registry.js';
import type { JsonObject, RegistryConfig, SchemaReference, SchemaType, SchemaVersion } from './types.js';
import { parseCompatibilityLevel, parseMode, SCHEMA_TYPES } from './types.js';
import { DEFAULT_CONTEXT } from './subjects.js';

const log = createLogger('registry-rest');

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const ACCEPTED_TYPES = new Set([
  'application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream',
]);

/** Sends a write to the leader when this registry is a follower (see leader.ts); null when this one may write. */
export type WriteForwarder = (method: string, pathAndQuery: string, body: Buffer | null, headers: Record<string, string>) =>
  Promise<{ status: number; body: Buffer; contentType: string } | null>;

export interface RegistryRouteOptions {
  /** Mount point, e.g. '/schema-registry'; '' (the default) serves at the root. */
  prefix?: string;
  /** Largest request body in bytes (default 16 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  forwarder?: WriteForwarder;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new RegistryError(413, 413, `Request body of ${declared} bytes is larger than the limit of ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      req.resume();
      throw new RegistryError(413, 413, `Request body is larger than the limit of ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

/** Confluent answers 406 when the client accepts none of its media types. */
function checkAccept(req: IncomingMessage): void {
  const header = req.headers.accept;
  if (header === undefined || header.trim() === '') return;
  const ok = header.split(',').some((part) => {
    const type = part.split(';')[0]!.trim().toLowerCase();
    return type === '*/*' || type === 'application/*' || type === 'application/json'
      || type === 'application/vnd.schemaregistry.v1+json' || type === 'application/vnd.schemaregistry+json'
      // GET .../schema answers the schema text itself.
      || type === 'text/plain' || type === 'text/*';
  });
  if (!ok) throw new RegistryError(406, 406, 'HTTP 406 Not Acceptable');
}

function checkContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'];
  // No content type: Jersey treats the body as application/octet-stream, which Confluent accepts.
  if (header === undefined || header === '') return;
  const type = header.split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.has(type)) throw new RegistryError(415, 415, 'HTTP 415 Unsupported Media Type');
}

function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) throw new RegistryError(422, 422, 'Request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new RegistryError(400, 400, `Unexpected character in request body: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RegistryError(422, 422, 'Request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function parseSchemaRequest(body: Record<string, unknown>): SchemaRequest {
  const schema = body['schema'];
  if (typeof schema !== 'string' || schema.trim() === '') throw Errors.invalidSchema('Empty schema');
  const typeRaw = body['schemaType'] ?? 'AVRO';
  if (typeof typeRaw !== 'string' || !(SCHEMA_TYPES as readonly string[]).includes(typeRaw.toUpperCase())) {
    throw Errors.invalidSchema(`Invalid schema type ${String(typeRaw)}`);
  }
  const references: SchemaReference[] = [];
  const refs = body['references'] ?? [];
  if (!Array.isArray(refs)) throw Errors.invalidSchema('references must be a list');
  for (const r of refs as unknown[]) {
    const ro = r as Record<string, unknown> | null;
    if (typeof ro !== 'object' || ro === null || typeof ro['name'] !== 'string' || typeof ro['subject'] !== 'string'
      || typeof ro['version'] !== 'number' || !Number.isInteger(ro['version'])) {
      throw Errors.invalidSchema(`Invalid schema reference ${JSON.stringify(r)}: name, subject and version are required`);
    }
    references.push({ name: ro['name'], subject: ro['subject'], version: ro['version'] });
  }
  const obj = (v: unknown): JsonObject | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : null);
  const ruleSet = obj(body['ruleSet']);
  if (ruleSet !== null) validateRuleSet(ruleSet);
  const out: SchemaRequest = {
    schema, schemaType: typeRaw.toUpperCase() as SchemaType, references, metadata: obj(body['metadata']), ruleSet,
  };
  const id = body['id'];
  if (id !== undefined && id !== null) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) throw Errors.invalidSchema(`Invalid id ${String(id)}`);
    out.id = id;
  }
  const version = body['version'];
  if (version !== undefined && version !== null && version !== 0) {
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw Errors.invalidVersion(String(version));
    out.version = version;
  }
  return out;
}

const RULE_KINDS = ['CONDITION', 'TRANSFORM'];
const RULE_MODES = ['UPGRADE', 'DOWNGRADE', 'UPDOWN', 'WRITE', 'READ', 'WRITEREAD'];

/** Data-contract rules are stored as given, but Confluent refuses malformed ones (42210). */
function validateRuleSet(ruleSet: JsonObject): void {
  for (const list of ['migrationRules', 'domainRules', 'encodingRules'] as const) {
    const rules = ruleSet[list];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) throw Errors.invalidRuleSet(`Invalid rule set: ${list} must be a list`);
    const names = new Set<string>();
    for (const rule of rules) {
      const r = rule as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null || typeof r['name'] !== 'string' || r['name'] === '') throw Errors.invalidRuleSet('Invalid rule set: every rule needs a name');
      if (names.has(r['name'])) throw Errors.invalidRuleSet(`Invalid rule set: duplicate rule name ${r['name']}`);
      names.add(r['name']);
      if (r['kind'] !== undefined && !RULE_KINDS.includes(String(r['kind']))) throw Errors.invalidRuleSet(`Invalid rule set: rule ${r['name']} has an invalid kind`);
      if (r['mode'] !== undefined && !RULE_MODES.includes(String(r['mode']))) throw Errors.invalidRuleSet(`Invalid rule set: rule ${r['name']} has an invalid mode`);
      if (typeof r['type'] !== 'string' || r['type'] === '') throw Errors.invalidRuleSet(`Invalid rule set: rule ${r['name']} needs a type`);
    }
  }
}

/** A registered version as GET /subjects/{s}/versions/{v} answers it (Confluent omits Avro's type and empty fields). */
export function versionBody(v: SchemaVersion, schemaText: string = v.schema): Record<string, unknown> {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
  if (v.schemaType !== 'AVRO') out['schemaType'] = v.schemaType;
  if (v.references.length > 0) out['references'] = v.references;
  if (v.metadata !== null) out['metadata'] = v.metadata;
  if (v.ruleSet !== null) out['ruleSet'] = v.ruleSet;
  out['schema'] = schemaText;
  return out;
}

function schemaBody(v: SchemaVersion, schemaText: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (v.schemaType !== 'AVRO') out['schemaType'] = v.schemaType;
  out['schema'] = schemaText;
  if (v.references.length > 0) out['references'] = v.references;
  if (v.metadata !== null) out['metadata'] = v.metadata;
  if (v.ruleSet !== null) out['ruleSet'] = v.ruleSet;
  return out;
}

function configBody(c: RegistryConfig): Record<string, unknown> {
  return { ...c };
}

const bool = (url: URL, name: string): boolean => url.searchParams.get(name)?.toLowerCase() === 'true';

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new RegistryError(400, 400, `Malformed path segment: ${s}`);
  }
}

function parseId(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) < 1 || Number(text) > 2 ** 31 - 1) throw Errors.schemaNotFound();
  return Number(text);
}

/** Requests that change state: everything but reads, lookups (POST /subjects/{s}) and compatibility checks. */
function isWrite(method: string, root: string, depth: number): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  if (root === 'config' || root === 'mode') return true;
  return root === 'subjects' && !(method === 'POST' && depth === 2);
}

export function registryRoute(service: RegistryService, opts: RegistryRouteOptions = {}): Route {
  const prefix = (opts.prefix ?? '').replace(/\/+$/, '');
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;

  return async (req, res, url) => {
    let path = url.pathname;
    if (prefix !== '') {
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
      path = path.slice(prefix.length) || '/';
    }
    const segments = path.split('/').filter((s) => s !== '');
    const root = segments[0] ?? '';
    if (!['', 'subjects', 'schemas', 'config', 'mode', 'compatibility', 'contexts'].includes(root)) return false;
    if (root === '' && prefix === '' && path !== '/') return false;
    const method = req.method ?? 'GET';
    try {
      const decoded = segments.map(decodeSegment);
      const effective = root === 'contexts' && decoded.length > 2 ? inContext(decoded, url) : decoded;
      checkAccept(req);
      let body: Buffer | null = null;
      if (method === 'POST' || method === 'PUT') {
        checkContentType(req);
        body = await readBody(req, maxBody);
      }
      // Writes (registrations, deletes, settings) go to the leader when this registry is a follower.
      if (opts.forwarder !== undefined && isWrite(method, effective[0] ?? '', effective.length)) {
        // Credentials go along, as Confluent's forwarding does: the leader authorizes the request again.
        const headers: Record<string, string> = { 'content-type': String(req.headers['content-type'] ?? CONTENT_TYPE) };
        if (typeof req.headers.authorization === 'string') headers['authorization'] = req.headers.authorization;
        const forwarded = await opts.forwarder(method, `${path}${url.search}`, body, headers);
        if (forwarded !== null) {
          res.writeHead(forwarded.status, { 'content-type': forwarded.contentType, 'content-length': forwarded.body.length });
          res.end(forwarded.body);
          return true;
        }
      }
      await handle(service, method, effective, url, body, res);
    } catch (err) {
      if (err instanceof RegistryError) {
        send(res, err.status, err.toBody());
      } else {
        log.error('registry request failed', { method, path, error: err });
        send(res, 500, { error_code: 50001, message: `Internal Server Error: ${(err as Error).message}` });
      }
    }
    return true;
  };
}

/**
 * Confluent's context URLs: `/contexts/.ctx/subjects/s/...` means `/subjects/:.ctx:s/...`, and the
 * context's own config and mode live under the subject `:.ctx:` (so a client's base URL can name a context).
 */
function inContext(seg: string[], url: URL): string[] {
  const raw = seg[1]!;
  const context = raw.startsWith('.') ? raw : `.${raw}`;
  const rest = seg.slice(2);
  if (context === DEFAULT_CONTEXT) return rest;
  const qualify = (s: string) => (s.startsWith(':.') ? s : `:${context}:${s}`);
  switch (rest[0]) {
    case 'subjects':
      if (rest[1] !== undefined) rest[1] = qualify(rest[1]);
      else if (!url.searchParams.has('subjectPrefix')) url.searchParams.set('subjectPrefix', `:${context}:`);
      return rest;
    case 'config':
    case 'mode':
      return [rest[0], rest[1] !== undefined ? qualify(rest[1]) : `:${context}:`];
    case 'compatibility':
      if (rest[1] === 'subjects' && rest[2] !== undefined) rest[2] = qualify(rest[2]);
      return rest;
    case 'schemas':
      if (!url.searchParams.has('subject')) url.searchParams.set('subject', `:${context}:`);
      return rest;
    default:
      return rest;
  }
}

function methodNotAllowed(): never {
  throw new RegistryError(405, 405, 'HTTP 405 Method Not Allowed');
}

function notFound(): never {
  throw new RegistryError(404, 404, 'HTTP 404 Not Found');
}

async function handle(service: RegistryService, method: string, seg: string[], url: URL, body: Buffer | null, res: ServerResponse): Promise<void> {
  const json = () => parseJsonBody(body ?? Buffer.alloc(0));
  const [root, a, b, c, d, e] = seg;
  if (root === undefined) {
    if (method !== 'GET') methodNotAllowed();
    return send(res, 200, {});
  }
  switch (root) {
    case 'contexts':
      if (seg.length !== 1) notFound();
      if (method !== 'GET') methodNotAllowed();
      return send(res, 200, service.contexts());

    case 'schemas': {
      if (seg.length === 1) {
        if (method !== 'GET') methodNotAllowed();
        const prefix = url.searchParams.get('subjectPrefix') ?? undefined;
        const versions = service.listSchemas({ ...(prefix !== undefined ? { prefix } : {}), deleted: bool(url, 'deleted'), latestOnly: bool(url, 'latestOnly') });
        return send(res, 200, versions.map((v) => versionBody(v)));
      }
      if (a === 'types' && seg.length === 2) {
        if (method !== 'GET') methodNotAllowed();
        return send(res, 200, SCHEMA_TYPES);
      }
      if (a !== 'ids' || b === undefined || seg.length > 4) notFound();
      if (method !== 'GET') methodNotAllowed();
      const id = parseId(b);
      const subject = url.searchParams.get('subject') ?? undefined;
      const v = service.getById(id, subject);
      if (c === undefined) {
        const out = schemaBody(v, formatted(service, v, url));
        if (bool(url, 'fetchMaxId')) out['maxId'] = service.state.maxId;
        return send(res, 200, out);
      }
      if (c === 'schema') return sendText(res, 200, formatted(service, v, url));
      const matches = service.subjectVersionsForId(id, { deleted: bool(url, 'deleted'), ...(subject !== undefined ? { subject } : {}) });
      if (c === 'subjects') return send(res, 200, [...new Set(matches.map((m) => m.subject))]);
      if (c === 'versions') return send(res, 200, matches.map((m) => ({ subject: m.subject, version: m.version })));
      return notFound();
    }

    case 'subjects': {
      if (a === undefined) {
        if (method !== 'GET') methodNotAllowed();
        const prefix = url.searchParams.get('subjectPrefix') ?? undefined;
        return send(res, 200, service.listSubjects({
          ...(prefix !== undefined ? { prefix } : {}), deleted: bool(url, 'deleted'), deletedOnly: bool(url, 'deletedOnly'),
        }));
      }
      const subject = a;
      if (b === undefined) {
        if (method === 'POST') {
          const v = service.lookup(subject, parseSchemaRequest(json()), bool(url, 'normalize'), bool(url, 'deleted'));
          return send(res, 200, versionBody(v));
        }
        if (method === 'DELETE') return send(res, 200, await service.deleteSubject(subject, bool(url, 'permanent')));
        return methodNotAllowed();
      }
      if (b === 'metadata' && c === undefined) {
        if (method !== 'GET') methodNotAllowed();
        const keys = url.searchParams.getAll('key');
        const values = url.searchParams.getAll('value');
        if (keys.length !== values.length) throw Errors.unprocessable('Every metadata key needs a value');
        const v = service.latestWithMetadata(subject, keys.map((k, i) => [k, values[i]!]), bool(url, 'deleted'));
        return send(res, 200, versionBody(v, formatted(service, v, url)));
      }
      if (b !== 'versions') notFound();
      if (c === undefined) {
        if (method === 'GET') {
          return send(res, 200, service.listVersions(subject, { deleted: bool(url, 'deleted'), deletedOnly: bool(url, 'deletedOnly') }));
        }
        if (method === 'POST') {
          const v = await service.register(subject, parseSchemaRequest(json()), bool(url, 'normalize'));
          return send(res, 200, { id: v.id });
        }
        return methodNotAllowed();
      }
      const spec: VersionSpec = parseVersion(c);
      if (d === undefined) {
        if (method === 'GET') {
          const v = service.getVersion(subject, spec, bool(url, 'deleted'));
          return send(res, 200, versionBody(v, formatted(service, v, url)));
        }
        if (method === 'DELETE') return send(res, 200, await service.deleteVersion(subject, spec, bool(url, 'permanent')));
        return methodNotAllowed();
      }
      if (e !== undefined) notFound();
      if (method !== 'GET') methodNotAllowed();
      if (d === 'schema') {
        const v = service.getVersion(subject, spec, bool(url, 'deleted'));
        return sendText(res, 200, formatted(service, v, url));
      }
      if (d === 'referencedby') return send(res, 200, service.referencedBy(subject, spec));
      return notFound();
    }

    case 'config': {
      if (seg.length > 2) notFound();
      const subject = a ?? null;
      if (method === 'GET') {
        const c2 = service.getConfig(subject, bool(url, 'defaultToGlobal'));
        return send(res, 200, configBody(c2));
      }
      if (method === 'PUT') {
        const req = json();
        const update: RegistryConfig = {};
        const levelRaw = req['compatibility'] ?? req['compatibilityLevel'];
        if (levelRaw !== undefined && levelRaw !== null) {
          const level = parseCompatibilityLevel(levelRaw);
          if (level === null) throw Errors.invalidCompatibility();
          update.compatibilityLevel = level;
        }
        if (typeof req['normalize'] === 'boolean') update.normalize = req['normalize'];
        if (typeof req['alias'] === 'string') update.alias = req['alias'];
        if (typeof req['validateFields'] === 'boolean') update.validateFields = req['validateFields'];
        if (typeof req['compatibilityGroup'] === 'string') update.compatibilityGroup = req['compatibilityGroup'];
        for (const f of ['defaultMetadata', 'overrideMetadata', 'defaultRuleSet', 'overrideRuleSet'] as const) {
          const o = req[f];
          if (typeof o === 'object' && o !== null && !Array.isArray(o)) update[f] = o as JsonObject;
        }
        if (Object.keys(update).length === 0) throw Errors.invalidCompatibility();
        await service.setConfig(subject, update);
        // Confluent echoes the request in its own field names.
        const { compatibilityLevel, ...rest } = update;
        return send(res, 200, { ...(compatibilityLevel !== undefined ? { compatibility: compatibilityLevel } : {}), ...rest });
      }
      if (method === 'DELETE') return send(res, 200, configBody(await service.deleteConfig(subject)));
      return methodNotAllowed();
    }

    case 'mode': {
      if (seg.length > 2) notFound();
      const subject = a ?? null;
      if (method === 'GET') return send(res, 200, { mode: service.getMode(subject, bool(url, 'defaultToGlobal')) });
      if (method === 'PUT') {
        const mode = parseMode(json()['mode']);
        if (mode === null) throw Errors.invalidMode();
        await service.setMode(subject, mode, bool(url, 'force'));
        return send(res, 200, { mode });
      }
      if (method === 'DELETE') return send(res, 200, { mode: await service.deleteMode(subject) });
      return methodNotAllowed();
    }

    case 'compatibility': {
      if (a !== 'subjects' || b === undefined || c !== 'versions' || seg.length > 5) notFound();
      if (method !== 'POST') methodNotAllowed();
      const spec = d === undefined ? null : parseVersion(d);
      const reasons = service.testCompatibility(b, spec, parseSchemaRequest(json()), bool(url, 'normalize'));
      const out: Record<string, unknown> = { is_compatible: reasons.length === 0 };
      if (bool(url, 'verbose')) out['messages'] = reasons;
      return send(res, 200, out);
    }
  }
  notFound();
}

/** The schema text in the `?format=` asked for (e.g. Protobuf's `serialized`), else as stored. */
function formatted(service: RegistryService, v: SchemaVersion, url: URL): string {
  const format = url.searchParams.get('format');
  if (format === null || format === '') return v.schema;
  const f = service.format(v.schemaType);
  if (f.formatted === undefined) return v.schema;
  return f.formatted(service.parseStored(v), format) ?? v.schema;
}
