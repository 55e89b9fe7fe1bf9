// TxnOffsetCommit, v0-4 (KIP-98; v3 adds member id, generation and instance
// id so the group can fence zombies, KIP-447). The offsets are written to
// __consumer_offsets in the producer's transaction and only become the
// group's committed offsets when the transaction commits. Unknown topics and
// partitions are UNKNOWN_TOPIC_OR_PARTITION.

import {
  ApiKey, ErrorCode,
  type TxnOffsetCommitRequest, type TxnOffsetCommitResponseInput, type TxnOffsetCommitResponsePartitionInput,
} from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { allowed, authorize, authorizedTopics } from '../../security/request-authorization.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';
import type { CommitRequest } from '../../coordinator/offset-manager.js';

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponseInput>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const store = ctx.broker.store;
    const byTopic = new Map<string, TxnOffsetCommitResponsePartitionInput[]>();
    const answer = (topic: string, partitionIndex: number, errorCode: ErrorCode) => {
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      list.push({ partitionIndex, errorCode });
    };
    // Kafka: WRITE on the transactional id, READ on the group (each refusal repeated on every partition),
    // then READ on each topic before it is looked up.
    const refusal = !authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
      ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : !authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.NONE;
    if (refusal !== ErrorCode.NONE) {
      for (const t of req.topics) for (const p of t.partitions) answer(t.name, p.partitionIndex, refusal);
      return { throttleTimeMs: 0, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
    }
    const readable = authorizedTopics(ctx, AclOperation.READ, req.topics.map((t) => t.name));
    const valid: CommitRequest['topics'] = [];
    for (const t of req.topics) {
      if (!allowed(readable, t.name)) {
        for (const p of t.partitions) answer(t.name, p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      const topic = store.getTopic(t.name);
      const partitions = t.partitions.filter((p) => {
        const ok = topic !== undefined && p.partitionIndex >= 0 && p.partitionIndex < topic.partitionCount;
        if (!ok) answer(t.name, p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return ok;
      });
      if (partitions.length > 0) {
        valid.push({
          name: t.name,
          partitions: partitions.map((p) => ({
            partitionIndex: p.partitionIndex, committedOffset: p.committedOffset, committedLeaderEpoch: p.committedLeaderEpoch,
            commitTimestamp: -1, committedMetadata: p.committedMetadata,
          })),
        });
      }
    }
    if (valid.length > 0) {
      const results = await ctx.broker.groupCoordinator.commitOffsets({
        groupId: req.groupId,
        generationIdOrMemberEpoch: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        retentionTimeMs: -1,
        topics: valid,
      }, ctx.header.apiVersion, { producerId: req.producerId, producerEpoch: req.producerEpoch });
      for (const t of results) for (const p of t.partitions) answer(t.name, p.partitionIndex, p.errorCode);
    }
    return { throttleTimeMs: 0, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  },
});
