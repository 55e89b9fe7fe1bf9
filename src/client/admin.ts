// Topic administration and offset lookups: CreateTopics, DeleteTopics,
// Metadata + DescribeConfigs, ListOffsets.

import { ErrorCode } from '../protocol/generated/index.js';
import { Apis } from './apis.js';
import type { Cluster } from './cluster.js';
import { KafkaClientError, invalidArgument, responseError } from './errors.js';

export interface CreateTopicOptions {
  /** Defaults to the broker's num.partitions. */
  partitions?: number;
  configs?: Record<string, string>;
  /** TOPIC_ALREADY_EXISTS is then success (the topic's settings are not compared). */
  ifNotExists?: boolean;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  partitions: number;
  configs?: Record<string, string>;
}

/** ConfigResource type of a topic in DescribeConfigs. */
const TOPIC_RESOURCE = 2;
/** ListOffsets timestamps that ask for the log start offset and the high watermark. */
const EARLIEST_TIMESTAMP = -2;
const LATEST_TIMESTAMP = -1;

function checkTopicName(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0) throw invalidArgument(ErrorCode.INVALID_TOPIC_EXCEPTION, `${what}: the topic name is empty`);
}

export async function createTopic(cluster: Cluster, name: string, opts: CreateTopicOptions = {}): Promise<void> {
  const what = `CreateTopics ${name}`;
  checkTopicName(name, what);
  if (opts.partitions !== undefined && (!Number.isInteger(opts.partitions) || opts.partitions < 1)) {
    throw invalidArgument(ErrorCode.INVALID_PARTITIONS, `${what}: partitions must be a positive integer, got ${opts.partitions}`);
  }
  await cluster.retrying(what, async () => {
    const conn = await cluster.anyConnection();
    const res = await conn.request(Apis.CreateTopics, (v) => ({
      // -1 (the broker's defaults) needs v4+ (KIP-464).
      topics: [{
        name,
        numPartitions: opts.partitions ?? (v >= 4 ? -1 : 1),
        replicationFactor: v >= 4 ? -1 : 1,
        configs: Object.entries(opts.configs ?? {}).map(([k, value]) => ({ name: k, value })),
      }],
      timeoutMs: cluster.requestTimeoutMs,
    }));
    const t = res.topics.find((x) => x.name === name);
    if (t === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `${what}: the response does not mention the topic`, false);
    if (t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && opts.ifNotExists === true) return;
    if (t.errorCode !== ErrorCode.NONE) throw responseError(t.errorCode, what, t.errorMessage);
  });
  cluster.topicCreated(name);
}

export async function deleteTopic(cluster: Cluster, name: string): Promise<void> {
  const what = `DeleteTopics ${name}`;
  checkTopicName(name, what);
  await cluster.retrying(what, async () => {
    const conn = await cluster.anyConnection();
    // v6 names topics in structs (by name or id, KIP-516); before, as a list of names.
    const res = await conn.request(Apis.DeleteTopics, (v) => (v >= 6
      ? { topics: [{ name }], timeoutMs: cluster.requestTimeoutMs }
      : { topicNames: [name], timeoutMs: cluster.requestTimeoutMs }));
    const t = res.responses.find((x) => x.name === name);
    if (t === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `${what}: the response does not mention the topic`, false);
    if (t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new KafkaClientError(t.errorCode, `${what}: topic ${name} does not exist`, false);
    if (t.errorCode !== ErrorCode.NONE) throw responseError(t.errorCode, what, t.errorMessage);
  });
  cluster.topicDeleted(name);
}

/** The topic's id, partition count and configs; null if it does not exist. */
export async function describeTopic(cluster: Cluster, name: string): Promise<TopicDescription | null> {
  const what = `describe topic ${name}`;
  checkTopicName(name, what);
  return cluster.retrying(what, async () => {
    let meta;
    try {
      meta = await cluster.topic(name, true);
    } catch (e) {
      if (e instanceof KafkaClientError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !e.retriable) return null;
      throw e;
    }
    const conn = await cluster.anyConnection();
    const res = await conn.request(Apis.DescribeConfigs, {
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const r = res.results[0];
    if (r === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeConfigs for topic ${name}: empty response`, false);
    if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return null; // deleted between the two requests
    if (r.errorCode !== ErrorCode.NONE) throw responseError(r.errorCode, `DescribeConfigs for topic ${name}`, r.errorMessage);
    const configs: Record<string, string> = {};
    for (const c of r.configs) if (c.value !== null && !c.isSensitive) configs[c.name] = c.value;
    return { name, topicId: meta.topicId, partitions: meta.partitions.length, configs };
  });
}

/** The earliest offset, the high watermark (latest), or the first offset whose timestamp is at least `at` (-1 if none). */
export async function listOffsets(cluster: Cluster, topic: string, partition: number, at: 'earliest' | 'latest' | number): Promise<number> {
  const what = `ListOffsets ${topic}-${partition}`;
  checkTopicName(topic, what);
  if (!Number.isInteger(partition) || partition < 0) throw invalidArgument(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${what}: invalid partition ${partition}`);
  const timestamp = at === 'earliest' ? EARLIEST_TIMESTAMP : at === 'latest' ? LATEST_TIMESTAMP : at;
  if (!Number.isInteger(timestamp) || timestamp < LATEST_TIMESTAMP - 1) throw invalidArgument(ErrorCode.INVALID_REQUEST, `${what}: invalid timestamp ${String(at)}`);
  return cluster.retrying(what, async () => {
    const { conn, leaderEpoch } = await cluster.leaderFor(topic, partition);
    const res = await conn.request(Apis.ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: leaderEpoch, timestamp, maxNumOffsets: 1 }] }],
      timeoutMs: cluster.requestTimeoutMs,
    });
    const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition);
    if (p === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `${what}: the response does not mention the partition`, false);
    if (p.errorCode !== ErrorCode.NONE) throw responseError(p.errorCode, what);
    return p.offset;
  }, () => cluster.invalidateTopic(topic));
}
