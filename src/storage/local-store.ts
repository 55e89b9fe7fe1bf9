// The embedded partition store: topics in the metadata log, partitions in the
// local segmented logs. It is the storage side of the broker's PartitionStore.

import { ConfigError, type BrokerConfig } from '../config/broker-config.js';
import { describeTopicConfigs, logConfigFor, validateTopicConfigs } from '../config/topic-config.js';
import type { ConfigEntry } from '../config/values.js';
import type {
  ActiveProducer, DynamicBrokerConfigs, LogDirDescription, TxnMarkerWrite,
  AppendResult, CreateTopicRequest, Outcome, PartitionOffsets, PartitionStore, ReadResult, RecordError, TopicInfo,
} from '../broker/partition-store.js';
import { collisionKey, isInternalTopic } from '../broker/topic-names.js';
import { statfs } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ErrorCode } from '../protocol/generated/index.js';
import { validateRecordSet } from '../protocol/records/batch.js';
import { buildMarkerBatch } from '../protocol/records/control-records.js';
import { decompressionLimit, targetCodec } from '../protocol/records/compression.js';
import { createLogger } from '../observability/logger.js';
import { LogManager } from './log-manager.js';
import { validateRecords } from './log-validator.js';
import { MetadataStore, randomUuid, type TopicRecord } from './metadata-log.js';
import { metadataWriteFailure } from './metadata-write-error.js';
import type { PartitionLog } from './partition-log.js';
import type { ReadOptions, TopicPartition } from './types.js';

const log = createLogger('store');

/**
 * The metadata log keeps one map of dynamic broker configs; cluster defaults
 * (resource name "") are stored in it under this prefix, which no Kafka property name contains.
 */
const CLUSTER_DEFAULT_PREFIX = 'cluster-default/';

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
  private readonly configListeners: ((config: BrokerConfig) => void)[] = [];

  private constructor(
    /** Replaced when dynamic broker configs change (AlterConfigs on a BROKER resource). */
    private config: BrokerConfig,
    readonly metadata: MetadataStore,
    private readonly logs: LogManager,
  ) {}

  /** Opens the metadata log and every partition log it lists. */
  static async open(config: BrokerConfig): Promise<LocalPartitionStore> {
    const metadata = await MetadataStore.open(config.dataDir);
    const logs = await LogManager.open(config.dataDir, {
      retentionCheckIntervalMs: config.long('log.retention.check.interval.ms'),
      flushCheckIntervalMs: config.long('log.flush.scheduler.interval.ms'),
      producerIdExpirationMs: config.long('producer.id.expiration.ms'),
      producerIdExpirationCheckIntervalMs: config.long('producer.id.expiration.check.interval.ms'),
      ...(config.bool('log.cleaner.enable')
        ? { cleaner: { backoffMs: config.long('log.cleaner.backoff.ms'), dedupeBufferSize: config.long('log.cleaner.dedupe.buffer.size') } }
        : {}),
    });
    const store = new LocalPartitionStore(config, metadata, logs);
    config = store.loadDynamicBrokerConfigs();
    for (const t of metadata.listTopics()) {
      const logConfig = logConfigFor(config, t.configs);
      for (let p = 0; p < t.partitionCount; p++) await logs.openLog({ topic: t.name, partition: p }, logConfig);
    }
    return store;
  }

  get clusterId(): string {
    return this.metadata.clusterId;
  }

  /** The broker configuration in effect: the static configs with the dynamic ones on top. */
  get brokerConfig(): BrokerConfig {
    return this.config;
  }

  /** Calls `listener` after every change of the dynamic broker configs, for settings applied live. */
  onBrokerConfigChange(listener: (config: BrokerConfig) => void): void {
    this.configListeners.push(listener);
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
    const key = collisionKey(req.name);
    const collides = this.metadata.listTopics().find((t) => collisionKey(t.name) === key);
    if (collides !== undefined) return failure(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${req.name}' collides with existing topic: ${collides.name}`);
    const invalid = validateTopicConfigs(req.configs);
    if (invalid !== null) return failure(ErrorCode.INVALID_CONFIG, invalid.message);
    if (req.validateOnly) {
      // Like Kafka, a validate-only creation answers with an id of its own that is never used.
      return { errorCode: ErrorCode.NONE, topic: { name: req.name, topicId: randomUuid(), partitionCount: req.partitions, configs: req.configs, internal: isInternalTopic(req.name) } };
    }
    let record: TopicRecord;
    try {
      record = this.metadata.createTopic(req.name, req.partitions, req.configs);
    } catch (err) {
      // The metadata log could not be written (a full disk): nothing was created.
      return metadataWriteFailure(err);
    }
    const logConfig = logConfigFor(this.config, record.configs);
    try {
      for (let p = 0; p < record.partitionCount; p++) await this.logs.createLog({ topic: record.name, partition: p }, logConfig);
    } catch (err) {
      // Out of file descriptors (EMFILE) or space: take the topic back rather than leave it
      // with fewer logs than partitions, and tell the client why.
      log.warn('could not create the logs of a new topic; removing it', { topic: record.name, partitions: record.partitionCount, error: err });
      try {
        this.metadata.deleteTopic(record.name);
        await this.logs.deleteLogs(record.name);
      } catch (cleanupError) {
        log.error('could not remove a half-created topic', { topic: record.name, error: cleanupError });
      }
      const reason = err instanceof Error ? err.message : String(err);
      return failure(ErrorCode.KAFKA_STORAGE_ERROR, `Could not create the logs of topic '${record.name}': ${reason}`);
    }
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
    try {
      this.metadata.deleteTopic(name);
    } catch (err) {
      // Not written (a full disk): the topic and its logs stay as they were.
      return metadataWriteFailure(err);
    }
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

  /**
   * Kafka's append order: batch headers and CRC, then the records where the
   * topic needs them (compressed batches, compacted topics, recompression),
   * then producer state (a retried batch is answered from it, unappended),
   * then the write.
   */
  append(tp: TopicPartition, records: Buffer, now: number, origin: 'client' | 'coordinator' = 'client'): Outcome<AppendResult> & { recordErrors?: RecordError[] } {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const cfg = plog.logConfig;
    const validation = validateRecordSet(records, { maxMessageBytes: cfg.maxMessageBytes, now, origin: origin === 'client' ? 'client' : 'internal' });
    if (!validation.ok) return failure(validation.errorCode as Failure['errorCode'], validation.message);
    const checked = validateRecords(records, {
      compacted: cfg.cleanupPolicy.includes('compact'),
      targetCodec: targetCodec(cfg.compressionType),
      levels: { gzip: cfg.compressionGzipLevel, zstd: cfg.compressionZstdLevel },
      maxMessageBytes: cfg.maxMessageBytes,
      decompressionLimit: decompressionLimit(cfg.maxMessageBytes),
      partition: `${tp.topic}-${tp.partition}`,
    });
    if (!checked.ok) {
      return { ...failure(checked.errorCode as Failure['errorCode'], checked.message), recordErrors: checked.recordErrors };
    }
    const producer = origin === 'client' ? plog.checkProducerAppend(checked.records) : plog.checkCoordinatorAppend(checked.records);
    if (producer.kind === 'duplicate') {
      // Kafka answers a duplicate with the original offsets and the cached batch timestamp as log_append_time.
      const b = producer.batch;
      return { errorCode: ErrorCode.NONE, baseOffset: b.firstOffset, lastOffset: b.lastOffset, logAppendTime: b.timestamp, logStartOffset: plog.logStartOffset };
    }
    if (producer.kind === 'error') return failure(producer.errorCode as Failure['errorCode'], producer.message);
    try {
      const result = plog.append(checked.records, { recordCount: validation.recordCount }, now);
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

  writeTxnMarker(tp: TopicPartition, m: TxnMarkerWrite, now: number): Outcome<{ offset: number }> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const check = plog.checkMarker(m.producerId, m.producerEpoch, m.coordinatorEpoch);
    if (check.kind === 'error') return failure(check.errorCode as Failure['errorCode'], check.message);
    const batch = buildMarkerBatch({ producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, type: m.commit ? 'COMMIT' : 'ABORT' }, now);
    try {
      const result = plog.append(batch, { recordCount: 1 }, now);
      return { errorCode: ErrorCode.NONE, offset: result.baseOffset };
    } catch (err) {
      log.error('writing a transaction marker failed', { topic: tp.topic, partition: tp.partition, error: err });
      return failure(ErrorCode.KAFKA_STORAGE_ERROR, 'Disk error when trying to access log file on the disk.');
    }
  }

  activeProducers(tp: TopicPartition): Outcome<{ producers: ActiveProducer[] }> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const producers = [...plog.producerState.activeProducers()].map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      lastSequence: e.lastSeq,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: e.currentTxnFirstOffset,
    }));
    return { errorCode: ErrorCode.NONE, producers };
  }

  read(tp: TopicPartition, offset: number, maxBytes: number, minOneBatch: boolean, options?: ReadOptions): Outcome<ReadResult> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const r = plog.read(offset, maxBytes, minOneBatch, options);
    if (r.errorCode !== 0) return failure(r.errorCode as Failure['errorCode']);
    return {
      errorCode: ErrorCode.NONE, records: r.records, highWatermark: r.highWatermark, lastStableOffset: r.lastStableOffset, logStartOffset: r.logStartOffset,
      abortedTransactions: r.abortedTransactions,
    };
  }

  offsets(tp: TopicPartition): Outcome<PartitionOffsets> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    return { errorCode: ErrorCode.NONE, logStartOffset: plog.logStartOffset, highWatermark: plog.highWatermark, lastStableOffset: plog.lastStableOffset };
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

  // ------------------------------------------------------------------ admin

  /** Layers the persisted dynamic broker configs on the static ones (at open). */
  private loadDynamicBrokerConfigs(): BrokerConfig {
    const dynamic = this.dynamicBrokerConfigs();
    try {
      this.config = this.config.withDynamic(dynamic.perBroker, dynamic.clusterDefaults);
    } catch (err) {
      // A value that an older version accepted must not keep the broker from starting.
      log.warn('ignoring persisted dynamic broker configs', { error: err });
    }
    return this.config;
  }

  createPartitions(name: string, count: number, validateOnly: boolean): Promise<Outcome<object>> {
    const run = async (): Promise<Outcome<object>> => {
      const t = this.metadata.getTopic(name);
      if (t === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
      if (count === t.partitionCount) {
        return failure(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitionCount} partition(s).`);
      }
      if (count < t.partitionCount) {
        return failure(ErrorCode.INVALID_PARTITIONS, `The topic ${name} currently has ${t.partitionCount} partition(s); ${count} would not be an increase.`);
      }
      if (validateOnly) return { errorCode: ErrorCode.NONE };
      const logConfig = logConfigFor(this.config, t.configs);
      const from = t.partitionCount;
      // The logs first: once the count is durable, clients may produce to the new partitions.
      // Whatever fails, the count stays as it was and the logs opened for it are removed again
      // (out of descriptors, keeping them would starve everything else; a later retry creates them afresh).
      const dropNewLogs = async (): Promise<void> => {
        for (let p = from; p < count; p++) {
          await this.logs.dropLog({ topic: name, partition: p }).catch((e: unknown) => log.warn('could not remove a partition log', { topic: name, partition: p, error: e }));
        }
      };
      try {
        for (let p = from; p < count; p++) await this.logs.createLog({ topic: name, partition: p }, logConfig);
      } catch (err) {
        log.warn('could not create the logs of new partitions', { topic: name, from, to: count, error: err });
        await dropNewLogs();
        return failure(ErrorCode.KAFKA_STORAGE_ERROR, `Could not create the logs of the new partitions of '${name}': ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        this.metadata.setPartitionCount(name, count);
      } catch (err) {
        await dropNewLogs();
        return metadataWriteFailure(err);
      }
      log.info('added partitions', { topic: name, from, to: count });
      return { errorCode: ErrorCode.NONE };
    };
    return validateOnly ? run() : this.serializedByName(name, run);
  }

  deleteRecords(tp: TopicPartition, offset: number): Outcome<{ lowWatermark: number }> {
    const plog = this.partitionLog(tp);
    if (plog === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // Kafka refuses to move the start of a log that only compaction may shorten.
    if (!plog.logConfig.cleanupPolicy.includes('delete')) {
      return failure(ErrorCode.POLICY_VIOLATION, `Records of partition ${tp.topic}-${tp.partition} can not be deleted due to the configured policy`);
    }
    const r = plog.deleteRecordsBefore(offset);
    if (r.errorCode !== 0) {
      return failure(r.errorCode as Failure['errorCode'], `Cannot delete records of ${tp.topic}-${tp.partition} before ${offset}: the high watermark is ${plog.highWatermark}.`);
    }
    return { errorCode: ErrorCode.NONE, lowWatermark: r.lowWatermark };
  }

  setTopicConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): Outcome<object> {
    const t = this.metadata.getTopic(name);
    if (t === undefined) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    const invalid = validateTopicConfigs(configs);
    if (invalid !== null) return failure(ErrorCode.INVALID_CONFIG, invalid.message);
    if (validateOnly) return { errorCode: ErrorCode.NONE };
    try {
      this.metadata.setTopicConfigs(name, configs);
    } catch (err) {
      // Not written: the logs keep the configs they have.
      return metadataWriteFailure(err);
    }
    const logConfig = logConfigFor(this.config, configs);
    for (let p = 0; p < t.partitionCount; p++) this.partitionLog({ topic: name, partition: p })?.updateConfig(logConfig);
    log.info('altered topic configs', { topic: name, configs });
    return { errorCode: ErrorCode.NONE };
  }

  dynamicBrokerConfigs(): DynamicBrokerConfigs {
    const perBroker: Record<string, string> = {};
    const clusterDefaults: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.metadata.brokerConfigs())) {
      if (k.startsWith(CLUSTER_DEFAULT_PREFIX)) clusterDefaults[k.slice(CLUSTER_DEFAULT_PREFIX.length)] = v;
      else perBroker[k] = v;
    }
    return { perBroker, clusterDefaults };
  }

  setDynamicBrokerConfigs(configs: DynamicBrokerConfigs, validateOnly: boolean): Outcome<object> {
    let next: BrokerConfig;
    try {
      next = this.config.withDynamic(configs.perBroker, configs.clusterDefaults);
    } catch (err) {
      if (err instanceof ConfigError) return failure(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE };
    const stored: Record<string, string> = { ...configs.perBroker };
    for (const [k, v] of Object.entries(configs.clusterDefaults)) stored[CLUSTER_DEFAULT_PREFIX + k] = v;
    try {
      this.metadata.setBrokerConfigs(stored);
    } catch (err) {
      // Not written: the broker keeps the configs it runs with.
      return metadataWriteFailure(err);
    }
    this.config = next;
    // Topic defaults come from the broker's log.* configs: every log takes the new values at once.
    for (const t of this.metadata.listTopics()) {
      const logConfig = logConfigFor(next, t.configs);
      for (let p = 0; p < t.partitionCount; p++) this.partitionLog({ topic: t.name, partition: p })?.updateConfig(logConfig);
    }
    log.info('altered dynamic broker configs', { perBroker: configs.perBroker, clusterDefaults: configs.clusterDefaults });
    for (const listener of this.configListeners) listener(next);
    return { errorCode: ErrorCode.NONE };
  }

  async describeLogDir(): Promise<LogDirDescription> {
    const partitions: LogDirDescription['partitions'] = [];
    for (const t of this.metadata.listTopics()) {
      for (let p = 0; p < t.partitionCount; p++) {
        const plog = this.partitionLog({ topic: t.name, partition: p });
        if (plog !== undefined) partitions.push({ topic: t.name, partition: p, size: plog.sizeInBytes });
      }
    }
    const path = resolvePath(this.config.dataDir);
    const st = await statfs(path);
    return { path, totalBytes: st.blocks * st.bsize, usableBytes: st.bavail * st.bsize, partitions };
  }
}
