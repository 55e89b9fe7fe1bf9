// Confluent Cloud's IAM v2 REST shapes for service accounts and API keys, on
// the platform's HTTP port:
//   GET/POST          /iam/v2/service-accounts
//   GET/PATCH/DELETE  /iam/v2/service-accounts/{id}
//   GET/POST          /iam/v2/api-keys            (GET filters by ?spec.owner=)
//   GET/DELETE        /iam/v2/api-keys/{id}
// A key's secret is in the answer to its creation only. Errors use Confluent
// Cloud's body: {"errors":[{"status":"404","detail":"..."}]}; a change the
// metadata log cannot take (a full disk) is 503, nothing changed, worth a
// retry once there is room. When super.users
// is set and the port requires authentication, only super users may call these.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyView } from './api-keys.js';
import { IamError, type ApiKeyStore } from './api-keys.js';
import { principalToString } from './principal.js';
import type { ServiceAccountRecord } from '../storage/metadata-log.js';
import { MetadataWriteError } from '../storage/metadata-write-error.js';
import { BodyError, readJsonObject } from '../http/body.js';
import { requestPrincipal } from '../http/auth.js';
import type { Route } from '../http/server.js';

const API_VERSION = 'iam/v2';
const MAX_BODY_BYTES = 64 * 1024;

export interface IamRestOptions {
  /** The cluster id API keys are scoped to (their spec.resource). */
  clusterId: string;
  /** Principals ("User:name") allowed to manage IAM when requests are authenticated; empty = any authenticated principal. */
  superUsers: readonly string[];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, detail: string): void {
  send(res, status, { errors: [{ status: String(status), detail }] });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function accountBody(a: ServiceAccountRecord): Record<string, unknown> {
  return {
    api_version: API_VERSION,
    kind: 'ServiceAccount',
    id: a.id,
    metadata: { self: `/iam/v2/service-accounts/${a.id}`, resource_name: `crn://tributary/service-account=${a.id}`, created_at: iso(a.createdAt), updated_at: iso(a.createdAt) },
    display_name: a.displayName,
    description: a.description,
  };
}

function keyBody(k: ApiKeyView, clusterId: string, secret?: string): Record<string, unknown> {
  return {
    api_version: API_VERSION,
    kind: 'ApiKey',
    id: k.key,
    metadata: { self: `/iam/v2/api-keys/${k.key}`, resource_name: `crn://tributary/kafka=${clusterId}/api-key=${k.key}`, created_at: iso(k.createdAt), updated_at: iso(k.createdAt) },
    spec: {
      ...(secret !== undefined ? { secret } : {}),
      display_name: k.displayName,
      description: k.description,
      owner: { id: k.owner, api_version: API_VERSION, kind: 'ServiceAccount', related: `/iam/v2/service-accounts/${k.owner}` },
      resource: { id: clusterId, api_version: 'cmk/v2', kind: 'Cluster' },
    },
  };
}

function list(kind: string, data: unknown[]): Record<string, unknown> {
  return { api_version: API_VERSION, kind, metadata: { first: '', next: null, total_size: data.length }, data };
}

function field(obj: Record<string, unknown>, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function iamRoute(store: ApiKeyStore, opts: IamRestOptions): Route {
  return (req, res, url) => {
    const m = /^\/iam\/v2\/(service-accounts|api-keys)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (m === null) return false;
    return (async () => {
      const principal = requestPrincipal(req);
      if (principal !== undefined && opts.superUsers.length > 0 && !opts.superUsers.includes(principalToString(principal))) {
        sendError(res, 403, `${principalToString(principal)} may not manage service accounts and API keys`);
        return true;
      }
      try {
        const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
        if (m[1] === 'service-accounts') await serviceAccounts(store, req, res, id);
        else await apiKeys(store, req, res, url, id, opts.clusterId);
      } catch (err) {
        if (err instanceof IamError || err instanceof BodyError) sendError(res, err.status, err.message);
        else if (err instanceof URIError) sendError(res, 400, 'Malformed id in the path');
        else if (err instanceof MetadataWriteError) sendError(res, 503, err.message);
        else throw err;
      }
      return true;
    })();
  };
}

async function serviceAccounts(store: ApiKeyStore, req: IncomingMessage, res: ServerResponse, id: string | undefined): Promise<void> {
  if (id === undefined) {
    if (req.method === 'GET') return send(res, 200, list('ServiceAccountList', store.listServiceAccounts().map(accountBody)));
    if (req.method === 'POST') {
      const body = await readJsonObject(req, MAX_BODY_BYTES);
      return send(res, 201, accountBody(store.createServiceAccount(body['display_name'], body['description'])));
    }
    return sendError(res, 405, `Method ${req.method} is not allowed on /iam/v2/service-accounts`);
  }
  switch (req.method) {
    case 'GET':
      return send(res, 200, accountBody(store.getServiceAccount(id)));
    case 'PATCH': {
      const body = await readJsonObject(req, MAX_BODY_BYTES);
      return send(res, 200, accountBody(store.updateServiceAccount(id, body['description'])));
    }
    case 'DELETE':
      store.deleteServiceAccount(id);
      res.writeHead(204).end();
      return;
    default:
      return sendError(res, 405, `Method ${req.method} is not allowed on a service account`);
  }
}

async function apiKeys(store: ApiKeyStore, req: IncomingMessage, res: ServerResponse, url: URL, id: string | undefined, clusterId: string): Promise<void> {
  if (id === undefined) {
    if (req.method === 'GET') {
      const owner = url.searchParams.get('spec.owner') ?? undefined;
      return send(res, 200, list('ApiKeyList', store.listApiKeys(owner).map((k) => keyBody(k, clusterId))));
    }
    if (req.method === 'POST') {
      const body = await readJsonObject(req, MAX_BODY_BYTES);
      const created = store.createApiKey(field(body, 'spec', 'owner', 'id'), field(body, 'spec', 'display_name'), field(body, 'spec', 'description'));
      // Confluent Cloud answers 202: the key may take a moment to work everywhere (here it works at once).
      return send(res, 202, keyBody(created, clusterId, created.secret));
    }
    return sendError(res, 405, `Method ${req.method} is not allowed on /iam/v2/api-keys`);
  }
  switch (req.method) {
    case 'GET':
      return send(res, 200, keyBody(store.getApiKey(id), clusterId));
    case 'DELETE':
      store.deleteApiKey(id);
      res.writeHead(204).end();
      return;
    default:
      return sendError(res, 405, `Method ${req.method} is not allowed on an API key`);
  }
}
