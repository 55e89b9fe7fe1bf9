// OffsetFetch, v0-9. v0-7 ask for one group, v8+ for several (KIP-709), v9
// with the member id and epoch of a KIP-848 member. A null topic list (v2+)
// asks for every committed offset of the group. A partition without a
// committed offset, or a group that does not exist, reads as offset -1 with
// no error. Before v2 there is no group-level error field, so a group error
// is repeated on each requested partition. require_stable (v7+) waits for no
// pending transactional offset; there are none without transactions.

import {
  ApiKey, ErrorCode,
  type OffsetFetchRequest, type OffsetFetchResponseInput, type OffsetFetchResponseTopicInput,
} from '../../protocol/generated/index.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';
import type { FetchedGroup } from '../../coordinator/offset-manager.js';
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorizationEnabled, authorize, authorizedTopics, type AuthorizationContext } from '../../security/request-authorization.js';

/**
 * One group's offsets as the principal may see them. Kafka: DESCRIBE on the
 * group; then DESCRIBE on each named topic (refused ones answer
 * TOPIC_AUTHORIZATION_FAILED after the others); asked for all topics, the
 * ones it may not describe are left out.
 */
function fetchGroup(
  ctx: AuthorizationContext, coordinator: GroupCoordinator, groupId: string, memberId: string | null, memberEpoch: number,
  topics: { name: string; partitionIndexes: number[] }[] | null, requireStable: boolean,
): FetchedGroup {
  if (!authorizationEnabled(ctx)) return coordinator.fetchOffsets(groupId, memberId, memberEpoch, topics, requireStable);
  if (!authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
  if (topics === null) {
    const r = coordinator.fetchOffsets(groupId, memberId, memberEpoch, null, requireStable);
    const visible = authorizedTopics(ctx, AclOperation.DESCRIBE, r.topics.map((t) => t.name), { logIfDenied: false })!;
    return { ...r, topics: r.topics.filter((t) => visible.has(t.name)) };
  }
  const describable = authorizedTopics(ctx, AclOperation.DESCRIBE, topics.map((t) => t.name))!;
  const r = coordinator.fetchOffsets(groupId, memberId, memberEpoch, topics.filter((t) => describable.has(t.name)), requireStable);
  if (r.errorCode !== ErrorCode.NONE) return r;
  const refused = topics.filter((t) => !describable.has(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
  }));
  return { ...r, topics: [...r.topics, ...refused] };
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponseInput>({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const version = ctx.header.apiVersion;
    const coordinator = ctx.broker.groupCoordinator;
    if (version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => {
          const r = fetchGroup(ctx, coordinator, g.groupId, g.memberId, g.memberEpoch, g.topics, req.requireStable);
          return { groupId: r.groupId, errorCode: r.errorCode, topics: r.topics };
        }),
      };
    }
    const r: FetchedGroup = fetchGroup(ctx, coordinator, req.groupId, null, -1, req.topics, req.requireStable);
    let topics: OffsetFetchResponseTopicInput[] = r.topics;
    if (version < 2 && r.errorCode !== ErrorCode.NONE) {
      topics = (req.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })),
      }));
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics };
  },
});
