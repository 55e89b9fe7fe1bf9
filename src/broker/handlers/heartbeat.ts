// Heartbeat, v0-4. Keeps a classic member's session alive; answers
// REBALANCE_IN_PROGRESS while the group rebalances (the member must rejoin),
// ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID to members that
// are out. v3+ carry group.instance.id.

import { ApiKey, ErrorCode, type HeartbeatRequest, type HeartbeatResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponseInput>({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    // Kafka: READ on the group.
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const errorCode = await ctx.broker.groupCoordinator.heartbeat({
      groupId: req.groupId, memberId: req.memberId, groupInstanceId: req.groupInstanceId, generationId: req.generationId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
});
