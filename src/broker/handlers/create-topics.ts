// CreateTopics, v0-7. Replication factor 1 (or -1, the default, KIP-464) is the
// only one a single broker can honour; others get Kafka's
// INVALID_REPLICATION_FACTOR. Manual assignments may only name this broker.
// More than 10,000 partitions in one request is POLICY_VIOLATION (KAFKA-17870).
// v5+ returns the created topic's partitions and configs; v7 its id.

import {
  ApiKey, ErrorCode,
  type CreateTopicsRequest, type CreateTopicsRequestCreatableTopic, type CreateTopicsResponseCreatableTopicResultInput, type CreateTopicsResponseInput,
} from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { CONFIG_SOURCE_IDS } from '../../config/values.js';
import { validateTopicName } from '../topic-names.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizationEnabled, authorizedTopics, clusterAuthorized } from '../../security/request-authorization.js';

function fail(name: string, errorCode: ErrorCode, errorMessage: string | null): CreateTopicsResponseCreatableTopicResultInput {
  return { name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

async function createOne(broker: Broker, t: CreateTopicsRequestCreatableTopic, validateOnly: boolean, mayDescribeConfigs: boolean): Promise<CreateTopicsResponseCreatableTopicResultInput> {
  const nameError = validateTopicName(t.name);
  if (nameError !== null) return fail(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
  if (broker.store.getTopic(t.name) !== undefined) return fail(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);

  let partitions = t.numPartitions;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return fail(t.name, ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    if (indexes.some((p, i) => p !== i)) {
      return fail(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions must be numbered consecutively from 0.');
    }
    for (const a of t.assignments) {
      if (a.brokerIds.length !== 1 || a.brokerIds[0] !== broker.nodeId) {
        return fail(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes a broker other than ${broker.nodeId}, the only one registered.`);
      }
    }
    partitions = t.assignments.length;
  } else {
    if (partitions === -1) partitions = broker.settings.numPartitions;
    if (partitions <= 0) return fail(t.name, ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
    const rf = t.replicationFactor === -1 ? 1 : t.replicationFactor;
    if (rf <= 0) return fail(t.name, ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
    if (rf !== 1) {
      return fail(t.name, ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.`);
    }
  }

  const configs: Record<string, string> = {};
  for (const c of t.configs) {
    if (c.value === null) return fail(t.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
    configs[c.name] = c.value;
  }
  const created = await broker.store.createTopic({ name: t.name, partitions, configs, validateOnly });
  if (created.errorCode !== ErrorCode.NONE) return fail(t.name, created.errorCode, created.errorMessage);

  if (!mayDescribeConfigs) {
    // Kafka: the configs are shown only with DESCRIBE_CONFIGS on the topic; the creation itself stands.
    return {
      name: t.name, topicId: created.topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null,
      numPartitions: partitions, replicationFactor: 1, configs: null, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    };
  }
  const described = validateOnly
    ? { errorCode: ErrorCode.NONE, entries: broker.store.previewTopicConfigs(configs) }
    : broker.store.describeTopicConfigs(t.name, false, false);
  return {
    name: t.name,
    topicId: created.topic.topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: partitions,
    replicationFactor: 1,
    configs: described.errorCode === ErrorCode.NONE
      ? described.entries.map((e) => ({ name: e.name, value: e.value, readOnly: e.readOnly, configSource: CONFIG_SOURCE_IDS[e.source], isSensitive: e.isSensitive }))
      : null,
  };
}

/**
 * Kafka 4's cap on the partitions one CreateTopics request may create
 * (KAFKA-17870; the controller's MAX_PARTITIONS_PER_BATCH). Without it one
 * request claiming 2^31-1 partitions would have the broker create logs until
 * it runs out of file descriptors and memory.
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
export const EXCESSIVE_PARTITIONS_MESSAGE = 'Excessively large number of partitions per request.';

/** Partitions the request would create: explicit counts, assignments, or the broker default for -1. */
function requestedPartitions(topics: readonly CreateTopicsRequestCreatableTopic[], defaultPartitions: number): number {
  let total = 0;
  for (const t of topics) {
    if (t.assignments.length > 0) total += t.assignments.length;
    else if (t.numPartitions === -1) total += defaultPartitions;
    else if (t.numPartitions > 0) total += t.numPartitions;
  }
  return total;
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponseInput>({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(req, ctx) {
    if (requestedPartitions(req.topics, ctx.broker.settings.numPartitions) > MAX_PARTITIONS_PER_REQUEST) {
      // Kafka fails the whole request, every topic with the same error.
      const names = [...new Set(req.topics.map((t) => t.name))];
      return { throttleTimeMs: 0, topics: names.map((name) => fail(name, ErrorCode.POLICY_VIOLATION, EXCESSIVE_PARTITIONS_MESSAGE)) };
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const t of req.topics) (seen.has(t.name) ? duplicates : seen).add(t.name);
    const topics: CreateTopicsResponseCreatableTopicResultInput[] = [];
    const answered = new Set<string>();
    // Kafka: CREATE on the cluster, or else on each topic (asked only for topics not already refused as duplicates);
    // the configs in the answer need DESCRIBE_CONFIGS on the topic.
    let creatable: Set<string> | null = null;
    let configsVisible: Set<string> | null = null;
    if (authorizationEnabled(ctx)) {
      const names = [...seen].filter((n) => !duplicates.has(n));
      if (!clusterAuthorized(ctx, AclOperation.CREATE, { logIfDenied: false })) creatable = authorizedTopics(ctx, AclOperation.CREATE, names);
      configsVisible = authorizedTopics(ctx, AclOperation.DESCRIBE_CONFIGS, names, { logIfDenied: false });
    }
    for (const t of req.topics) {
      // Results are keyed by name: a duplicated name gets one answer, as in Kafka.
      if (answered.has(t.name)) continue;
      answered.add(t.name);
      topics.push(duplicates.has(t.name)
        ? fail(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
        : !allowed(creatable, t.name)
          ? fail(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.')
          : await createOne(ctx.broker, t, req.validateOnly, allowed(configsVisible, t.name)));
    }
    return { throttleTimeMs: 0, topics };
  },
});
