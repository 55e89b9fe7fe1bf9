// ConsumerGroupHeartbeat, v0-1 (KIP-848). A consumer-protocol member joins
// (epoch 0), heartbeats with its member epoch and owned partitions, and
// leaves (-1, static -2); the coordinator answers with its member epoch and,
// when it changed, its assignment. v0: the coordinator generates the member
// id; v1 (KIP-1082): the client does and must send it from the start.

import { ApiKey, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponseInput } from '../../protocol/generated/index.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString, requestInfo } from '../../coordinator/request-info.js';

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponseInput>({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
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
