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
          const r = coordinator.fetchOffsets(g.groupId, g.memberId, g.memberEpoch, g.topics, req.requireStable);
          return { groupId: r.groupId, errorCode: r.errorCode, topics: r.topics };
        }),
      };
    }
    const r: FetchedGroup = coordinator.fetchOffsets(req.groupId, null, -1, req.topics, req.requireStable);
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
