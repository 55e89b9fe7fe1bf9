// The authorization question a handler asks about the request in hand: may
// this connection's principal, from its address, do this? Always yes when no
// authorizer is configured (authorizer.class.name unset), as in Kafka; the
// helpers then return before building anything, so an unsecured broker pays
// one null check per request.
//
// Every decision goes to the audit log (which filters by kind). Like Kafka's
// Action.logIfDenied, checks that only filter what a response lists (all
// topics in Metadata, ListGroups, ListTransactions) don't log their denials:
// nothing was asked of those resources by name.

import { ApiKey, ErrorCode } from '../protocol/generated/index.js';
import type { AuditLogger, AuthorizationEvent } from './audit-log.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from './acl.js';
import type { Authorizer } from './authorizer.js';
import { principalToString, type KafkaPrincipal } from './principal.js';

export interface AuthorizationContext {
  broker: { authorizer: Authorizer | null };
  connection: { principal: KafkaPrincipal; remoteAddress: string };
  /** The request, for the audit log. */
  header?: { apiKey: number; correlationId: number; clientId: string | null };
}

export interface DecisionLogging {
  /** Log a denial (false for checks that only filter a listing). Default true. */
  logIfDenied?: boolean;
  /** Log an allowed decision. Default true. */
  logIfAllowed?: boolean;
}

/** The client's host as Kafka's ACLs name it: IPv4-mapped IPv6 addresses in their IPv4 form. */
export function aclHost(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress;
}

/** True when requests are checked at all: handlers skip building lists for the checks otherwise. */
export function authorizationEnabled(ctx: AuthorizationContext): boolean {
  return ctx.broker.authorizer !== null;
}

export function authorize(ctx: AuthorizationContext, operation: number, resourceType: number, resourceName: string, logging?: DecisionLogging): boolean {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === null) return true;
  const granted = authorizer.authorize(ctx.connection.principal, aclHost(ctx.connection.remoteAddress), operation, resourceType, resourceName);
  if (authorizer.audit !== null && (granted ? logging?.logIfAllowed !== false : logging?.logIfDenied !== false)) {
    audit(authorizer.audit, authorizer, ctx, operation, resourceType, resourceName, granted);
  }
  return granted;
}

export function clusterAuthorized(ctx: AuthorizationContext, operation: number, logging?: DecisionLogging): boolean {
  return authorize(ctx, operation, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, logging);
}

/**
 * The names of `names` the principal may perform `operation` on, each asked
 * (and logged) once however often it repeats: Kafka's filterByAuthorized.
 * Null when no authorizer is configured (everything is allowed).
 */
export function authorizedNames(ctx: AuthorizationContext, operation: number, resourceType: number, names: Iterable<string>, logging?: DecisionLogging): Set<string> | null {
  if (ctx.broker.authorizer === null) return null;
  const allowed = new Set<string>();
  const asked = new Set<string>();
  for (const name of names) {
    if (asked.has(name)) continue;
    asked.add(name);
    if (authorize(ctx, operation, resourceType, name, logging)) allowed.add(name);
  }
  return allowed;
}

/** authorizedNames for topics; `allowed(set, name)` reads the answer. */
export function authorizedTopics(ctx: AuthorizationContext, operation: number, names: Iterable<string>, logging?: DecisionLogging): Set<string> | null {
  return authorizedNames(ctx, operation, ResourceType.TOPIC, names, logging);
}

/** Reads an authorizedNames answer: null means no authorizer, so yes. */
export function allowed(set: Set<string> | null, name: string): boolean {
  return set === null || set.has(name);
}

/**
 * Kafka's authorizeByResourceType (KIP-679): may the principal perform
 * `operation` on some resource of the type? Not logged, as in Kafka.
 */
export function authorizeAnyOfType(ctx: AuthorizationContext, operation: number, resourceType: number): boolean {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === null) return true;
  return authorizer.authorizeByResourceType(ctx.connection.principal, aclHost(ctx.connection.remoteAddress), operation, resourceType);
}

/** Config resource types (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs). */
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;
const CONFIG_BROKER_LOGGER = 8;
const CONFIG_CLIENT_METRICS = 16;
const CONFIG_GROUP = 32;

/**
 * Kafka's rule for config resources: DESCRIBE_CONFIGS or ALTER_CONFIGS on the
 * topic, on the group, or (brokers, broker loggers, client metrics) on the
 * cluster. The error a refusal gets, or NONE. Other types are left to the
 * handler to reject.
 */
export function configResourceRefusal(ctx: AuthorizationContext, operation: number, configResourceType: number, resourceName: string): ErrorCode {
  if (ctx.broker.authorizer === null) return ErrorCode.NONE;
  switch (configResourceType) {
    case CONFIG_TOPIC:
      return authorize(ctx, operation, ResourceType.TOPIC, resourceName) ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    case CONFIG_GROUP:
      return authorize(ctx, operation, ResourceType.GROUP, resourceName) ? ErrorCode.NONE : ErrorCode.GROUP_AUTHORIZATION_FAILED;
    case CONFIG_BROKER:
    case CONFIG_BROKER_LOGGER:
    case CONFIG_CLIENT_METRICS:
      return clusterAuthorized(ctx, operation) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    default:
      return ErrorCode.NONE;
  }
}

/** The operations each resource type supports, as Kafka reports them in authorized_operations fields. */
const SUPPORTED_OPERATIONS: Record<number, readonly number[]> = {
  [ResourceType.TOPIC]: [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.CLUSTER]: [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
};

/**
 * The authorized_operations bit field (KIP-430) for one resource: every
 * supported operation without an authorizer, otherwise those the principal
 * may perform. These checks are not logged (they answer a question about
 * rights, they grant nothing).
 */
export function authorizedOperations(ctx: AuthorizationContext, resourceType: number, resourceName: string): number {
  let bits = 0;
  for (const op of SUPPORTED_OPERATIONS[resourceType] ?? []) {
    if (authorize(ctx, op, resourceType, resourceName, { logIfAllowed: false, logIfDenied: false })) bits |= 1 << op;
  }
  return bits;
}

const OPERATION_NAMES: Record<number, string> = {
  [AclOperation.ALL]: 'All', [AclOperation.READ]: 'Read', [AclOperation.WRITE]: 'Write', [AclOperation.CREATE]: 'Create',
  [AclOperation.DELETE]: 'Delete', [AclOperation.ALTER]: 'Alter', [AclOperation.DESCRIBE]: 'Describe',
  [AclOperation.CLUSTER_ACTION]: 'ClusterAction', [AclOperation.DESCRIBE_CONFIGS]: 'DescribeConfigs',
  [AclOperation.ALTER_CONFIGS]: 'AlterConfigs', [AclOperation.IDEMPOTENT_WRITE]: 'IdempotentWrite',
  [AclOperation.CREATE_TOKENS]: 'CreateTokens', [AclOperation.DESCRIBE_TOKENS]: 'DescribeTokens',
};

const RESOURCE_TYPE_NAMES: Record<number, AuthorizationEvent['resourceType']> = {
  [ResourceType.TOPIC]: 'Topic', [ResourceType.GROUP]: 'Group', [ResourceType.CLUSTER]: 'Cluster',
  [ResourceType.TRANSACTIONAL_ID]: 'TransactionalId', [ResourceType.DELEGATION_TOKEN]: 'DelegationToken', [ResourceType.USER]: 'User',
};

function audit(
  logger: AuditLogger, authorizer: Authorizer, ctx: AuthorizationContext,
  operation: number, resourceType: number, resourceName: string, granted: boolean,
): void {
  const header = ctx.header;
  logger.authorization({
    principal: principalToString(ctx.connection.principal),
    api: header !== undefined ? (ApiKey[header.apiKey] ?? String(header.apiKey)) : 'Unknown',
    operation: OPERATION_NAMES[operation] ?? String(operation),
    resourceType: RESOURCE_TYPE_NAMES[resourceType] ?? 'Cluster',
    resourceName,
    granted,
    ...(granted && authorizer.isSuperUser(ctx.connection.principal) ? { superUser: true } : {}),
    clientAddress: aclHost(ctx.connection.remoteAddress),
    ...(header !== undefined ? { correlationId: header.correlationId, ...(header.clientId !== null ? { clientId: header.clientId } : {}) } : {}),
  });
}
