// LeaveGroup, v0-5. v0-2 name one member and answer with one error code (the
// group's, else the member's); v3+ name a batch of members, by member id or,
// for an administrative removal, by group.instance.id alone (KIP-345), and
// answer per member; v5 adds a reason per member (KIP-800).

import { ApiKey, ErrorCode, type LeaveGroupRequest, type LeaveGroupResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponseInput>({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const version = ctx.header.apiVersion;
    // Kafka: READ on the group.
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const members = version < 3
      ? [{ memberId: req.memberId, groupInstanceId: null, reason: null }]
      : req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }));
    const r = await ctx.broker.groupCoordinator.leaveGroup(req.groupId, members);
    if (version < 3) {
      const memberError = r.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
      return { throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError };
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  },
});
