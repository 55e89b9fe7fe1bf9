// ListOffsets, v1-9 (v0 was dropped by Kafka 4, KIP-896; v10 is unstable in the
// spec set). Special timestamps: -1 latest (the last stable offset under
// read_committed), -2 earliest, -3 the record with the largest timestamp
// (KIP-734), -4 earliest local (KIP-1005; every record is local here),
// -5 latest tiered (none here: offset -1).

import {
  ApiKey, ErrorCode,
  type ListOffsetsRequest, type ListOffsetsResponseInput, type ListOffsetsResponseListOffsetsPartitionResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizationEnabled, authorizedTopics } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import { LEADER_EPOCH, checkLeaderEpoch } from '../leader-epoch.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;
const READ_COMMITTED = 1;

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponseInput>({
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 9,
  handle(req, ctx) {
    const store = ctx.broker.store;
    // Kafka: DESCRIBE on the topic, checked before it is looked up.
    const describable = authorizationEnabled(ctx) ? authorizedTopics(ctx, AclOperation.DESCRIBE, req.topics.map((t) => t.name)) : null;
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): ListOffsetsResponseListOffsetsPartitionResponseInput => {
        const fail = (errorCode: ErrorCode) => ({ partitionIndex: p.partitionIndex, errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 });
        const found = (offset: number, timestamp: number) => ({
          partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp, offset, leaderEpoch: offset < 0 ? -1 : LEADER_EPOCH,
        });
        if (!allowed(describable, t.name)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        const topic = store.getTopic(t.name);
        if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitionCount) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const epochError = checkLeaderEpoch(p.currentLeaderEpoch);
        if (epochError !== ErrorCode.NONE) return fail(epochError);
        const tp = { topic: t.name, partition: p.partitionIndex };
        const offsets = store.offsets(tp);
        if (offsets.errorCode !== ErrorCode.NONE) return fail(offsets.errorCode);
        switch (p.timestamp) {
          case LATEST:
            return found(req.isolationLevel === READ_COMMITTED ? offsets.lastStableOffset : offsets.highWatermark, -1);
          case EARLIEST:
          case EARLIEST_LOCAL:
            return found(offsets.logStartOffset, -1);
          case LATEST_TIERED:
            return found(-1, -1);
          case MAX_TIMESTAMP: {
            const max = store.maxTimestamp(tp);
            if (max.errorCode !== ErrorCode.NONE) return fail(max.errorCode);
            return max.found === null ? found(-1, -1) : found(max.found.offset, max.found.timestamp);
          }
          default: {
            if (p.timestamp < 0) return fail(ErrorCode.INVALID_REQUEST);
            const at = store.offsetForTimestamp(tp, p.timestamp);
            if (at.errorCode !== ErrorCode.NONE) return fail(at.errorCode);
            return at.found === null ? found(-1, -1) : found(at.found.offset, at.found.timestamp);
          }
        }
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
