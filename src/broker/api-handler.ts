// The contract between the request router and the per-API handler files.

import type { ApiKey } from '../protocol/generated/index.js';
import type { RequestHeader } from '../protocol/headers.js';
import type { Broker } from './broker.js';

/** Returned by a handler when the protocol sends no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export interface ConnectionInfo {
  /** A per-process connection id, for logs. */
  id: number;
  /** The listener the connection arrived on (PLAINTEXT, INTERNAL, ...). */
  listenerName: string;
  remoteAddress: string;
  remotePort: number;
  /** True once the socket is gone: long waits may stop early. */
  readonly closed: boolean;
}

export interface RequestContext {
  header: RequestHeader;
  connection: ConnectionInfo;
  broker: Broker;
}

export type HandlerResult<Resp> = Resp | typeof NO_RESPONSE;

export interface ApiHandler<Req = any, Resp = any> {
  apiKey: ApiKey;
  /** The versions this broker serves and advertises in ApiVersions. */
  minVersion: number;
  maxVersion: number;
  handle(request: Req, ctx: RequestContext): HandlerResult<Resp> | Promise<HandlerResult<Resp>>;
}

/** Declares a handler with its request and response types inferred from the generated codec. */
export function defineHandler<Req, Resp>(h: ApiHandler<Req, Resp>): ApiHandler<Req, Resp> {
  return h;
}
