// The embedded partition store: topics in the metadata log, partitions in the
// local segmented logs. It is the storage side of the broker's PartitionStore.

import type { BrokerConfig } from '../config/broker-config.js';
import { describeTopicConfigs, logConfigFor, validateTopicConfigs } from '../config/topic-config.js';
import type { ConfigEntry } from '../config/values.js';
import type {
  AppendResult, CreateTopicRequest, Outcome, PartitionOffsets, PartitionStore, ReadResult, TopicInfo,
} from '../broker/partition-store.js';
import { isInternalTopic } from '../broker/topic-names.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { validateRecordSet } from '../protocol/records/batch.js';
import { createLogger } from '../observability/logger.js';
import { LogManager } from './log-manager.js';
import { MetadataStore, randomUuid, type TopicRecord } from './metadata-log.js';
import type { PartitionLog } from './partition-log.js';
import type { TopicPartition } from './types.js';

const log = createLogger('store');

type Failure = { errorCode: Exclude<ErrorCode, ErrorCode.NONE>; errorMessage: string | null };

function failure(errorCode: Exclude<ErrorCode, ErrorCode.NONE>, errorMessage: string | null = null): Failure {
  return { errorCode, errorMessage };
}

function topicInfo(t: TopicRecord): TopicInfo {
  return { name: t.name, topicId: t.topicId, partitionCount: t.partitionCount, configs: t.configs, internal: isInternalTopic(t.name) };
}

export class LocalPartitionStore implements PartitionStore {
  /** The last pending creation or deletion per topic name (see serializedByName). */
  private readonly topicOps = new Map<string, Promise<void>>();

  private constructor(
    private readonly config: BrokerConfig,
    readonly metadata: MetadataStore,
    private readonly logs: LogManager,
  ) {}

  /** Opens the metadata log and every partition log it lists. */
  static async open(config: BrokerConfig): Promise<LocalPartitionStore> {
    const metadata = await MetadataStore.open(config.dataDir);
    const logs = await LogManager.open(config.dataDir, {
      retentionCheckIntervalMs: config.long('log.retention.check.interval.ms'),
      flushCheckIntervalMs: config.long('log.flush.scheduler.interval.ms'),
    });
    const store = new LocalPartitionStore(config, metadata, logs);
    for (const t of metadata.listTopics()) {
      const logConfig = logConfigFor(config, t.configs);
      for (let p = 0; p < t.partitionCount; p++) await logs.openLog({ topic: t.name, partition: p }, logConfig);
    }
    return store;
  }

  get clusterId(): string {
    return this.metadata.clusterId;
  }

  listTopics(): TopicInfo[] {
    return this.metadata.listTopics().map(topicInfo);
  }

  getTopic(name: string): TopicInfo | undefined {
    const t = this.metadata.getTopic(name);
    return t === undefined ? undefined : topicInfo(t);
  }

  getTopicById(topicId: string): TopicInfo | undefined {
    const t = this.metadata.getTopicById(topicId);
    return t === undefined ? undefined : topicInfo(t);
  }

  /**
   * Runs creations and deletions of one topic name one after another. A
   * deletion renames the partition directories after it closes the logs; a
   * creation of the same name in between would open the old directory (old
   * records in the new topic) and then lose its own appends to that rename.
   */
  private serializedByName<T>(name: string, op: () => Promise<T>): Promise<T> {
    const previous = this.topicOps.get(name);
    // With nothing pending, start at once: the metadata change then happens before this call returns.
    const result = previous === undefined ? op() : previous.then(op);
    const tail = result.then(() => undefined, () => undefined);
    this.topicOps.set(name, tail);
    void tail.then(() => {
      if (this.topicOps.get(name) === tail) this.topicOps.delete(name);
    });
    return result;
  }

  createTopic(req: CreateTopicRequest): Promise<Outcome<{ topic: TopicInfo }>> {
    return req.validateOnly ? this.createTopicNow(req) : this.serializedByName(req.name, () => this.createTopicNow(req));
  }

  private async createTopicNow(req: CreateTopicRequest): Promise<Outcome<{ topic: TopicInfo }>> {
    if (this.metadata.getTopic(req.name) !== undefined) {
      return failure(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    }
    const invalid = validateTopicConfigs(req.configs);
    if (invalid !== null) return failure(ErrorCode.INVALID_CONFIG, invalid.message);
    if (req.validateOnly) {
      // Like Kafka, a validate-only creation answers with an id of its own that is never used.
      return { errorCode: ErrorCode.NONE, topic: { name: req.name, topicId: randomUuid(), partitionCount: req.partitions, configs: req.configs, internal: isInternalTopic(req.name) } };
    }
    const record = this.metadata.createTopic(req.name, req.partitions, req.configs);
    const logConfig = logConfigFor(this.config, record.configs);
    for (let p = 0; p < record.partitionCount; p++) await this.logs.createLog({ topic: record.name, partition: p }, logConfig);
    log.info('created topic', { topic: record.name, partitions: record.partitionCount, topicId: record.topicId });
    return { errorCode: ErrorCode.NONE, topic: topicInfo(record) };
  }

  deleteTopic(name: string): Promise<Outcome<{ topic: TopicInfo }>> {
    return this.serializedByName(name, () => this.deleteTopicNow(name));
  }

  private async deleteTopicNow(name: string): Promise<Outcome<{ topic: TopicInfo }>> {
    const t = this.metadata.getTopic(name);
    if (t === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // The metadata record goes first: once it is durable, the topic is gone even if we crash mid-delete.
    this.metadata.deleteTopic(name);
    await this.logs.deleteLogs(name);
    log.info('deleted topic', { topic: name, topicId: t.topicId });
    return { errorCode: ErrorCode.NONE, topic: topicInfo(t) };
  }

  describeTopicConfigs(name: string, includeSynonyms: boolean, includeDocumentation: boolean): Outcome<{ entries: ConfigEntry[] }> {
    const t = this.metadata.getTopic(name);
    if (t === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`);
    const entries = describeTopicConfigs(this.config, t.configs, includeSynonyms)
      .map((e) => (includeDocumentation ? e : { ...e, documentation: null }));
    return { errorCode: ErrorCode.NONE, entries };
  }

  previewTopicConfigs(overrides: Record<string, string>): ConfigEntry[] {
    return describeTopicConfigs(this.config, overrides, false).map((e) => ({ ...e, documentation: null }));
  }

  describeBrokerConfigs(includeSynonyms: boolean, includeDocumentation: boolean): ConfigEntry[] {
    return this.config.describe({ includeSynonyms, includeDocumentation });
  }

  private partitionLog(tp: TopicPartition): PartitionLog | undefined {
    return this.logs.getLog(tp);
  }

  append(tp: TopicPartition, records: Buffer, now: number): Outcome<AppendResult> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const cfg = plog.logConfig;
    const validation = validateRecordSet(records, { maxMessageBytes: cfg.maxMessageBytes, now });
    if (!validation.ok) return failure(validation.errorCode as Failure['errorCode'], validation.message);
    try {
      const result = plog.append(records, { recordCount: validation.recordCount }, now);
      return { errorCode: ErrorCode.NONE, ...result };
    } catch (err) {
      log.error('append failed', { topic: tp.topic, partition: tp.partition, error: err });
      return failure(ErrorCode.KAFKA_STORAGE_ERROR, 'Disk error when trying to access log file on the disk.');
    }
  }

  waitDurable(tp: TopicPartition, offset: number): Promise<void> {
    const plog = this.partitionLog(tp);
    return plog === undefined ? Promise.resolve() : plog.waitForFlush(offset);
  }

  read(tp: TopicPartition, offset: number, maxBytes: number, minOneBatch: boolean): Outcome<ReadResult> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const r = plog.read(offset, maxBytes, minOneBatch);
    if (r.errorCode !== 0) return failure(r.errorCode as Failure['errorCode']);
    // No transactions yet: everything below the high watermark is stable.
    return { errorCode: ErrorCode.NONE, records: r.records, highWatermark: r.highWatermark, lastStableOffset: r.highWatermark, logStartOffset: r.logStartOffset };
  }

  offsets(tp: TopicPartition): Outcome<PartitionOffsets> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    return { errorCode: ErrorCode.NONE, logStartOffset: plog.logStartOffset, highWatermark: plog.highWatermark, lastStableOffset: plog.highWatermark };
  }

  offsetForTimestamp(tp: TopicPartition, ts: number): Outcome<{ found: { offset: number; timestamp: number } | null }> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    return { errorCode: ErrorCode.NONE, found: plog.offsetForTimestamp(ts) };
  }

  maxTimestamp(tp: TopicPartition): Outcome<{ found: { offset: number; timestamp: number } | null }> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    return { errorCode: ErrorCode.NONE, found: plog.maxTimestampOffset() };
  }

  onAppend(tp: TopicPartition, listener: () => void): () => void {
    const plog = this.partitionLog(tp);
    return plog === undefined ? () => {} : plog.onAppend(() => listener());
  }

  /** Flushes and closes every log (clean shutdown), then the metadata log. */
  async close(): Promise<void> {
    await this.logs.close();
    await this.metadata.close();
  }
}
