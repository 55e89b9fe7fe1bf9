// OffsetCommit, v0-9. Unknown topics and partitions are answered
// UNKNOWN_TOPIC_OR_PARTITION here; the rest go to the group coordinator,
// which checks the member and generation (a generation of -1 commits for a
// group without members: the admin client, or a consumer using assign()),
// refuses metadata longer than offset.metadata.max.bytes
// (OFFSET_METADATA_TOO_LARGE), and answers once the commit is written to
// __consumer_offsets. v0 has no member or generation; v1 sets a commit
// timestamp per partition; v2-4 a retention time; v6+ the leader epoch;
// v7+ group.instance.id. An unknown group with a generation is
// ILLEGAL_GENERATION before v9 and GROUP_ID_NOT_FOUND from v9.

import {
  ApiKey, ErrorCode,
  type OffsetCommitRequest, type OffsetCommitRequestTopic, type OffsetCommitResponseInput, type OffsetCommitResponsePartitionInput,
} from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { allowed, authorizationEnabled, authorize, authorizedTopics } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponseInput>({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const store = ctx.broker.store;
    // Topic name -> its partitions' answers, in the order Kafka builds them: refusals first, then the coordinator's.
    const byTopic = new Map<string, OffsetCommitResponsePartitionInput[]>();
    const answer = (topic: string, partitionIndex: number, errorCode: ErrorCode) => {
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      list.push({ partitionIndex, errorCode });
    };
    // Kafka: READ on the group (or nothing is committed), then READ on each topic before it is looked up.
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) {
      for (const t of req.topics) for (const p of t.partitions) answer(t.name, p.partitionIndex, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      return { throttleTimeMs: 0, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
    }
    const readable = authorizationEnabled(ctx) ? authorizedTopics(ctx, AclOperation.READ, req.topics.map((t) => t.name)) : null;
    const valid: OffsetCommitRequestTopic[] = [];
    for (const t of req.topics) {
      if (!allowed(readable, t.name)) {
        for (const p of t.partitions) answer(t.name, p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      const topic = store.getTopic(t.name);
      if (topic === undefined) {
        for (const p of t.partitions) answer(t.name, p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const partitions = t.partitions.filter((p) => {
        const ok = p.partitionIndex >= 0 && p.partitionIndex < topic.partitionCount;
        if (!ok) answer(t.name, p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return ok;
      });
      if (partitions.length > 0) valid.push({ name: t.name, partitions });
    }
    if (valid.length > 0) {
      const results = await ctx.broker.groupCoordinator.commitOffsets({
        groupId: req.groupId,
        generationIdOrMemberEpoch: req.generationIdOrMemberEpoch,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        retentionTimeMs: req.retentionTimeMs,
        topics: valid,
      }, ctx.header.apiVersion);
      for (const t of results) for (const p of t.partitions) answer(t.name, p.partitionIndex, p.errorCode);
    }
    return { throttleTimeMs: 0, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  },
});
