// CreatePartitions, v0-3: grows a topic's partition count (never shrinks it,
// INVALID_PARTITIONS as in Kafka). Manual assignments may only name this
// broker, one replica per new partition. validate_only checks without changing.
// More than 10,000 added partitions in one request is POLICY_VIOLATION, as for CreateTopics.

import {
  ApiKey, ErrorCode, errorMessage,
  type CreatePartitionsRequest, type CreatePartitionsRequestCreatePartitionsTopic,
  type CreatePartitionsResponseCreatePartitionsTopicResultInput, type CreatePartitionsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizedTopics } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { EXCESSIVE_PARTITIONS_MESSAGE, MAX_PARTITIONS_PER_REQUEST } from './create-topics.js';

async function createOne(broker: Broker, t: CreatePartitionsRequestCreatePartitionsTopic, validateOnly: boolean): Promise<CreatePartitionsResponseCreatePartitionsTopicResultInput> {
  const fail = (errorCode: ErrorCode, errorMessage: string | null) => ({ name: t.name, errorCode, errorMessage });
  const topic = broker.store.getTopic(t.name);
  if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  if (t.count <= topic.partitionCount) {
    return fail(ErrorCode.INVALID_PARTITIONS, t.count === topic.partitionCount
      ? `Topic already has ${topic.partitionCount} partition(s).`
      : `The topic ${t.name} currently has ${topic.partitionCount} partition(s); ${t.count} would not be an increase.`);
  }
  if (t.assignments !== null) {
    const added = t.count - topic.partitionCount;
    if (t.assignments.length !== added) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${added} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
    }
    for (const a of t.assignments) {
      if (a.brokerIds.length === 0) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
      const other = a.brokerIds.find((id) => id !== broker.nodeId);
      if (other !== undefined) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${other}, but no such broker is registered.`);
      }
      if (a.brokerIds.length > 1) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${broker.nodeId} more than once.`);
      }
    }
  }
  const r = await broker.store.createPartitions(t.name, t.count, validateOnly);
  return r.errorCode === ErrorCode.NONE ? { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null } : fail(r.errorCode, r.errorMessage);
}

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponseInput>({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    // KAFKA-19673: the CreateTopics cap applies to the partitions a request adds.
    let added = 0;
    for (const t of req.topics) added += Math.max(0, t.count - (ctx.broker.store.getTopic(t.name)?.partitionCount ?? t.count));
    if (added > MAX_PARTITIONS_PER_REQUEST) {
      const names = [...new Set(req.topics.map((t) => t.name))];
      return { throttleTimeMs: 0, results: names.map((name) => ({ name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_PARTITIONS_MESSAGE })) };
    }
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: CreatePartitionsResponseCreatePartitionsTopicResultInput[] = [];
    const answered = new Set<string>();
    // Kafka: ALTER on each topic (duplicates are refused first), before it is looked up.
    const alterable = authorizedTopics(ctx, AclOperation.ALTER, req.topics.map((t) => t.name).filter((n) => counts.get(n) === 1));
    for (const t of req.topics) {
      if (answered.has(t.name)) continue;
      answered.add(t.name);
      results.push((counts.get(t.name) ?? 0) > 1
        ? { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }
        : !allowed(alterable, t.name)
          ? { name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED) }
          : await createOne(ctx.broker, t, req.validateOnly));
    }
    return { throttleTimeMs: 0, results };
  },
});
