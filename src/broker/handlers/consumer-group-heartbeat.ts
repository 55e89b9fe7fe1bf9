// ConsumerGroupHeartbeat, v0-1 (KIP-848). A consumer-protocol member joins
// (epoch 0), heartbeats with its member epoch and owned partitions, and
// leaves (-1, static -2); the coordinator answers with its member epoch and,
// when it changed, its assignment. v0: the coordinator generates the member
// id; v1 (KIP-1082): the client does and must send it from the start.

import { ApiKey, ErrorCode, errorMessage, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize, authorizedTopics } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString, requestInfo } from '../../coordinator/request-info.js';

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponseInput>({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    // Kafka 4: READ on the group, then DESCRIBE on every subscribed topic name.
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (req.subscribedTopicNames !== null && req.subscribedTopicNames.length > 0) {
      const describable = authorizedTopics(ctx, AclOperation.DESCRIBE, req.subscribedTopicNames);
      if (describable !== null && req.subscribedTopicNames.some((t) => !describable.has(t))) return refuse(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }
    const res = await ctx.broker.groupCoordinator.consumerGroupHeartbeat(requestInfo(ctx), {
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
    });
    return { throttleTimeMs: 0, ...res };
  },
});

/** Kafka's error response: the error and its message, every other field at the schema's default. */
function refuse(errorCode: ErrorCode): ConsumerGroupHeartbeatResponseInput {
  return { throttleTimeMs: 0, errorCode, errorMessage: errorMessage(errorCode), memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}
