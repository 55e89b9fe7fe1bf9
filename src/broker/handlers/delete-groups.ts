// DeleteGroups, v0-2. Deletes empty groups with their committed offsets
// (tombstones in __consumer_offsets); a group with members is
// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.

import { ApiKey, type DeleteGroupsRequest, type DeleteGroupsResponseInput } from '../../protocol/generated/index.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponseInput>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const results = await ctx.broker.groupCoordinator.deleteGroups(req.groupsNames);
    return { throttleTimeMs: 0, results };
  },
});
