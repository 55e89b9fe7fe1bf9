// OffsetForLeaderEpoch, v0-4. This broker leads every partition in epoch 0
// from offset 0, so Kafka's leader epoch cache lookup reduces to: epoch 0
// ends at the log end offset; any other epoch is unknown to the cache and
// answers UNDEFINED (-1, -1), which makes a consumer fall back to its reset
// policy only on real truncation. The current leader epoch fences first.

import {
  ApiKey, ErrorCode,
  type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponseEpochEndOffsetInput, type OffsetForLeaderEpochResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizedTopics } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import { checkLeaderEpoch, LEADER_EPOCH } from '../leader-epoch.js';

const UNDEFINED_EPOCH = -1;
const UNDEFINED_OFFSET = -1;

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponseInput>({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { store } = ctx.broker;
    // Kafka: DESCRIBE on the topic (CLUSTER_ACTION, for followers, is not needed: there are none), checked
    // before it is looked up.
    const describable = authorizedTopics(ctx, AclOperation.DESCRIBE, req.topics.map((t) => t.topic));
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p): OffsetForLeaderEpochResponseEpochEndOffsetInput => {
        const fail = (errorCode: ErrorCode) => ({ errorCode, partition: p.partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET });
        if (!allowed(describable, t.topic)) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        const offsets = store.offsets({ topic: t.topic, partition: p.partition });
        if (offsets.errorCode !== ErrorCode.NONE) return fail(offsets.errorCode);
        const fenced = checkLeaderEpoch(p.currentLeaderEpoch);
        if (fenced !== ErrorCode.NONE) return fail(fenced);
        if (p.leaderEpoch !== LEADER_EPOCH) return fail(ErrorCode.NONE);
        return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: LEADER_EPOCH, endOffset: offsets.highWatermark };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
