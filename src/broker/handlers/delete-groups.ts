// DeleteGroups, v0-2. Deletes empty groups with their committed offsets
// (tombstones in __consumer_offsets); a group with members is
// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.

import { ApiKey, ErrorCode, type DeleteGroupsRequest, type DeleteGroupsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponseInput>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    // Kafka: DELETE on each group; refused ones are answered GROUP_AUTHORIZATION_FAILED (once per name).
    const refused = new Set(req.groupsNames.filter((id) => !authorize(ctx, AclOperation.DELETE, ResourceType.GROUP, id)));
    const deleted = await ctx.broker.groupCoordinator.deleteGroups(req.groupsNames.filter((id) => !refused.has(id)));
    const results = [...deleted, ...[...refused].map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }))];
    return { throttleTimeMs: 0, results };
  },
});
