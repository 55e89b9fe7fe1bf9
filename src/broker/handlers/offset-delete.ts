// OffsetDelete, v0 (KIP-496). Deletes committed offsets of an empty group, or
// of a consumer group for topics none of its members subscribes to
// (GROUP_SUBSCRIBED_TO_TOPIC otherwise; other active groups are
// NON_EMPTY_GROUP). Unknown topics and partitions are answered
// UNKNOWN_TOPIC_OR_PARTITION here (listed first, as Kafka does); a partition
// with no committed offset is answered NONE.

import {
  ApiKey, ErrorCode,
  type OffsetDeleteRequest, type OffsetDeleteResponseInput, type OffsetDeleteResponsePartitionInput,
} from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { allowed, authorize, authorizedTopics } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponseInput>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const store = ctx.broker.store;
    const byTopic = new Map<string, OffsetDeleteResponsePartitionInput[]>();
    const entry = (topic: string) => {
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      return list;
    };
    // Kafka: DELETE on the group, then READ on each topic before it is looked up.
    if (!authorize(ctx, AclOperation.DELETE, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    const readable = authorizedTopics(ctx, AclOperation.READ, req.topics.map((t) => t.name));
    const valid: { name: string; partitions: number[] }[] = [];
    for (const t of req.topics) {
      if (!allowed(readable, t.name)) {
        for (const p of t.partitions) entry(t.name).push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
        continue;
      }
      const topic = store.getTopic(t.name);
      if (topic === undefined) {
        for (const p of t.partitions) entry(t.name).push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      const partitions: number[] = [];
      for (const p of t.partitions) {
        if (p.partitionIndex >= 0 && p.partitionIndex < topic.partitionCount) partitions.push(p.partitionIndex);
        else entry(t.name).push({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
      }
      if (partitions.length > 0) valid.push({ name: t.name, partitions });
    }
    const r = await ctx.broker.groupCoordinator.deleteOffsets(req.groupId, valid);
    if (r.errorCode !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: r.errorCode, topics: [] };
    for (const t of r.topics) entry(t.name).push(...t.partitions);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  },
});
