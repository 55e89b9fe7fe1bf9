// JoinGroup, v0-9. Joins park until the group's join phase completes (see
// coordinator/classic-group-manager.ts). v0 has no rebalance timeout (the
// session timeout stands in for it, as in Kafka); v4+ first answer
// MEMBER_ID_REQUIRED with a member id to rejoin with (KIP-394); v5+ carry
// group.instance.id (KIP-345); v7+ answer the protocol type and a nullable
// protocol name ("" before); v9 may tell a static leader to skip the
// assignment (KIP-814). A string longer than Kafka's decoder accepts
// (32767 bytes) makes the request malformed: the connection is closed.

import {
  ApiKey, ErrorCode, type JoinGroupRequest, type JoinGroupResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString, requestInfo } from '../../coordinator/request-info.js';

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponseInput>({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const version = ctx.header.apiVersion;
    // Kafka: READ on the group.
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null,
        protocolName: version < 7 ? '' : null, leader: '', skipAssignment: false, memberId: '', members: [],
      };
    }
    const r = await ctx.broker.groupCoordinator.joinGroup(requestInfo(ctx), {
      groupId: req.groupId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: version === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      reason: req.reason,
    });
    // Before v7 the protocol name cannot be null; from v7 an empty one is sent as null (as Kafka does).
    const protocolName = version < 7 ? (r.protocolName ?? '') : (r.protocolName === '' ? null : r.protocolName);
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName,
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
});
