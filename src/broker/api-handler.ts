// The contract between the request router and the per-API handler files.

import type { ApiKey } from '../protocol/generated/index.js';
import type { RequestHeader } from '../protocol/headers.js';
import type { Broker } from './broker.js';
import type { KafkaPrincipal } from '../security/principal.js';
import type { SaslAuthenticator } from '../security/sasl/authenticator.js';

/** Returned by a handler when the protocol sends no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export interface ConnectionInfo {
  /** A per-process connection id, for logs. */
  id: number;
  /** The listener the connection arrived on (PLAINTEXT, INTERNAL, ...). */
  listenerName: string;
  remoteAddress: string;
  remotePort: number;
  /** The authenticated identity (User:ANONYMOUS on PLAINTEXT listeners). */
  readonly principal: KafkaPrincipal;
  /** The SASL state of a connection on a SASL listener; null elsewhere. */
  readonly sasl: SaslAuthenticator | null;
  /** True once the socket is gone: long waits may stop early. */
  readonly closed: boolean;
}

export interface RequestContext {
  header: RequestHeader;
  connection: ConnectionInfo;
  broker: Broker;
}

/**
 * Returned when the protocol's answer is to close the connection once the
 * responses owed before this request are written (a failed acks=0 Produce:
 * the producer has no other way to learn of the error).
 */
export const CLOSE_CONNECTION: unique symbol = Symbol('close connection');

/**
 * A response after which the connection closes (a failed SASL authentication).
 * Only honoured on SASL connections, so that no other path pays for the check.
 */
export class RespondThenClose<Resp> {
  constructor(
    readonly response: Resp,
    /** Why, for the log. */
    readonly reason: string,
  ) {}
}

export type HandlerResult<Resp> = Resp | typeof NO_RESPONSE | typeof CLOSE_CONNECTION | RespondThenClose<Resp>;

export interface ApiHandler<Req = any, Resp = any> {
  apiKey: ApiKey;
  /** The versions this broker serves and advertises in ApiVersions. */
  minVersion: number;
  maxVersion: number;
  /**
   * Advertise a lower minimum than is served. Kafka 4 keeps advertising Produce v0
   * although it rejects v0-2, because librdkafka only compresses when it sees v0
   * in the range (KAFKA-18659).
   */
  advertisedMinVersion?: number;
  handle(request: Req, ctx: RequestContext): HandlerResult<Resp> | Promise<HandlerResult<Resp>>;
}

/** Declares a handler with its request and response types inferred from the generated codec. */
export function defineHandler<Req, Resp>(h: ApiHandler<Req, Resp>): ApiHandler<Req, Resp> {
  return h;
}
