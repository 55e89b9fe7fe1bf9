// SyncGroup, v0-5. Followers park until the leader's assignment is persisted;
// the leader's request carries every member's assignment. v3+ carry
// group.instance.id; v5+ name the protocol type and name, which must match
// the group's (INCONSISTENT_GROUP_PROTOCOL otherwise, and when missing).

import { ApiKey, ErrorCode, type SyncGroupRequest, type SyncGroupResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponseInput>({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    if (ctx.header.apiVersion >= 5 && (req.protocolType === null || req.protocolName === null)) {
      // From v5 both are mandatory; Kafka refuses the request before looking at the group.
      return { throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    // Kafka: READ on the group.
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    const r = await ctx.broker.groupCoordinator.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      // Copied: the request buffer is not ours to keep.
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
});
