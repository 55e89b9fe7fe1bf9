// DescribeGroups, v0-5. A group that does not exist is described as Dead with
// no error (as Kafka does before v6). Members carry their subscription
// metadata and assignment only while the group is Stable. v3+ may ask for the
// authorized operations: without an authorizer, every group operation (READ,
// DELETE, DESCRIBE).

import { ApiKey, ErrorCode, type DescribeGroupsRequest, type DescribeGroupsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize, authorizedOperations } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

const OMITTED_OPERATIONS = -2147483648;

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponseInput>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const withOperations = ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations;
    // Kafka: DESCRIBE on each group; a refused one is answered GROUP_AUTHORIZATION_FAILED and nothing else.
    const refused = new Set(req.groups.filter((id) => !authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, id)));
    const described = ctx.broker.groupCoordinator.describeGroups(req.groups.filter((id) => !refused.has(id)));
    let next = 0;
    const groups = req.groups.map((groupId) => {
      if (refused.has(groupId)) {
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: OMITTED_OPERATIONS };
      }
      const g = described[next++]!;
      return { ...g, authorizedOperations: withOperations && g.errorCode === ErrorCode.NONE ? authorizedOperations(ctx, ResourceType.GROUP, g.groupId) : OMITTED_OPERATIONS };
    });
    return { throttleTimeMs: 0, groups };
  },
});
