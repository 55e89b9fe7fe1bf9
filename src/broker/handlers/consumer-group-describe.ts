// ConsumerGroupDescribe, v0 (KIP-848): a consumer group's epochs, assignor and
// members with their current and target assignments. Unknown groups and
// classic groups are GROUP_ID_NOT_FOUND, as in Kafka 4. Without an
// authorizer, every group operation is allowed.

import { ApiKey, ErrorCode, type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorizationEnabled, authorize, authorizedOperations, authorizedTopics } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

const OMITTED_OPERATIONS = -2147483648;

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponseInput>({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    // Kafka: DESCRIBE on each group; and, since a description names the members' topics, DESCRIBE on
    // every one of those, or the group is answered TOPIC_AUTHORIZATION_FAILED without members.
    const refused = new Set(req.groupIds.filter((id) => !authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, id)));
    const described = ctx.broker.groupCoordinator.consumerGroupDescribe(req.groupIds.filter((id) => !refused.has(id)));
    let next = 0;
    const groups = req.groupIds.map((groupId) => {
      if (refused.has(groupId)) {
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [], authorizedOperations: OMITTED_OPERATIONS };
      }
      const g = described[next++]!;
      if (authorizationEnabled(ctx) && g.errorCode === ErrorCode.NONE) {
        const names = new Set<string>();
        for (const m of g.members ?? []) {
          for (const t of m.subscribedTopicNames ?? []) names.add(t);
          for (const t of m.assignment?.topicPartitions ?? []) if (t.topicName !== undefined) names.add(t.topicName);
          for (const t of m.targetAssignment?.topicPartitions ?? []) if (t.topicName !== undefined) names.add(t.topicName);
        }
        const describable = authorizedTopics(ctx, AclOperation.DESCRIBE, names)!;
        if ([...names].some((t) => !describable.has(t))) {
          return {
            ...g, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'The group has described topic(s) that the client is not authorized to describe.',
            members: [], authorizedOperations: OMITTED_OPERATIONS,
          };
        }
      }
      return { ...g, authorizedOperations: req.includeAuthorizedOperations && g.errorCode === ErrorCode.NONE ? authorizedOperations(ctx, ResourceType.GROUP, g.groupId) : OMITTED_OPERATIONS };
    });
    return { throttleTimeMs: 0, groups };
  },
});
