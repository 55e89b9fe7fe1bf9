// ListGroups, v0-5. Every group this broker coordinates (all of them), with
// its protocol type; v4+ also its state, filtered by the request's states
// (case-insensitive, KIP-518); v5+ its type (classic, consumer), filtered by
// the request's types (KIP-848).

import { ApiKey, type ListGroupsRequest, type ListGroupsResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponseInput>({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const r = ctx.broker.groupCoordinator.listGroups(version >= 4 ? req.statesFilter : [], version >= 5 ? req.typesFilter : []);
    return { throttleTimeMs: 0, errorCode: r.errorCode, groups: r.groups };
  },
});
