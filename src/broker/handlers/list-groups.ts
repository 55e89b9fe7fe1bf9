// ListGroups, v0-5. Every group this broker coordinates (all of them), with
// its protocol type; v4+ also its state, filtered by the request's states
// (case-insensitive, KIP-518); v5+ its type (classic, consumer), filtered by
// the request's types (KIP-848).

import { ApiKey, type ListGroupsRequest, type ListGroupsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize, clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponseInput>({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const r = ctx.broker.groupCoordinator.listGroups(version >= 4 ? req.statesFilter : [], version >= 5 ? req.typesFilter : []);
    // Kafka: every group with DESCRIBE on the cluster, otherwise those the principal may describe;
    // the others are simply not listed (so their denials are not audited).
    const quiet = { logIfDenied: false };
    const groups = clusterAuthorized(ctx, AclOperation.DESCRIBE, quiet)
      ? r.groups
      : r.groups.filter((g) => authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, quiet));
    return { throttleTimeMs: 0, errorCode: r.errorCode, groups };
  },
});
