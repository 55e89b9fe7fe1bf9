// DescribeGroups, v0-5. A group that does not exist is described as Dead with
// no error (as Kafka does before v6). Members carry their subscription
// metadata and assignment only while the group is Stable. v3+ may ask for the
// authorized operations: without an authorizer, every group operation (READ,
// DELETE, DESCRIBE).

import { ApiKey, ErrorCode, type DescribeGroupsRequest, type DescribeGroupsResponseInput } from '../../protocol/generated/index.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

const OMITTED_OPERATIONS = -2147483648;
/** Bit field of AclOperation codes READ (3), DELETE (6), DESCRIBE (8), DESCRIBE_CONFIGS (10), ALTER_CONFIGS (11): 3400, as Kafka 4 reports for groups. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponseInput>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const withOperations = ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations;
    const groups = ctx.broker.groupCoordinator.describeGroups(req.groups).map((g) => ({
      ...g,
      authorizedOperations: withOperations && g.errorCode === ErrorCode.NONE ? GROUP_OPERATIONS : OMITTED_OPERATIONS,
    }));
    return { throttleTimeMs: 0, groups };
  },
});
