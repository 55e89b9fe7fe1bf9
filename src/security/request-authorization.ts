// The authorization question a handler asks about the request in hand: may
// this connection's principal, from its address, do this? Always yes when no
// authorizer is configured (authorizer.class.name unset), as in Kafka.

import { CLUSTER_RESOURCE_NAME, ResourceType } from './acl.js';
import type { Authorizer } from './authorizer.js';
import type { KafkaPrincipal } from './principal.js';

export interface AuthorizationContext {
  broker: { authorizer: Authorizer | null };
  connection: { principal: KafkaPrincipal; remoteAddress: string };
}

/** The client's host as Kafka's ACLs name it: IPv4-mapped IPv6 addresses in their IPv4 form. */
export function aclHost(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress;
}

export function authorized(ctx: AuthorizationContext, operation: number, resourceType: number, resourceName: string): boolean {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === null) return true;
  return authorizer.authorize(ctx.connection.principal, aclHost(ctx.connection.remoteAddress), operation, resourceType, resourceName);
}

export function clusterAuthorized(ctx: AuthorizationContext, operation: number): boolean {
  return authorized(ctx, operation, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
}
