// An in-memory PartitionStore for the group coordinator's unit tests: topics,
// appends that validate and number batches like the real store, reads, and
// knobs to make appends fail or durability hang.
import type {
  ActiveProducer, AppendResult, CreateTopicRequest, TxnMarkerWrite, DynamicBrokerConfigs, LogDirDescription, Outcome, PartitionOffsets, PartitionStore, ReadResult, TopicInfo,
} from '../../src/broker/partition-store.js';
import type { ConfigEntry } from '../../src/config/values.js';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { readBatchHeader, setBaseOffset, validateRecordSet } from '../../src/protocol/records/batch.js';
import { buildMarkerBatch, readMarker } from '../../src/protocol/records/control-records.js';
import type { TopicPartition } from '../../src/storage/types.js';

interface StoredBatch {
  baseOffset: number;
  nextOffset: number;
  bytes: Buffer;
}

export class FakeStore implements PartitionStore {
  readonly clusterId = 'fake-cluster';
  private readonly topics = new Map<string, TopicInfo>();
  private readonly logs = new Map<string, StoredBatch[]>();
  /** The next append answers this error instead of writing. */
  failNextAppend: ErrorCode | null = null;
  /** While set, waitDurable does not resolve (to test offsets.commit.timeout.ms). */
  holdDurability = false;
  appends = 0;
  /** While set, transaction markers fail with KAFKA_STORAGE_ERROR (the coordinator retries them). */
  failTxnMarkers = false;

  /** The markers written to a partition, oldest first. */
  markers(tp: TopicPartition): { producerId: number; producerEpoch: number; type: string }[] {
    const out: { producerId: number; producerEpoch: number; type: string }[] = [];
    for (const b of this.logs.get(this.key(tp)) ?? []) {
      if ((b.bytes.readInt16BE(21) & 0x20) === 0) continue;
      const h = readBatchHeader(b.bytes, 0);
      out.push({ producerId: h.producerId, producerEpoch: h.producerEpoch, type: readMarker(b.bytes)?.type ?? '?' });
    }
    return out;
  }

  private key(tp: TopicPartition): string {
    return `${tp.topic}-${tp.partition}`;
  }

  listTopics(): TopicInfo[] {
    return [...this.topics.values()];
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  getTopicById(topicId: string): TopicInfo | undefined {
    return [...this.topics.values()].find((t) => t.topicId === topicId);
  }

  async createTopic(req: CreateTopicRequest): Promise<Outcome<{ topic: TopicInfo }>> {
    if (this.topics.has(req.name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: null };
    const topic: TopicInfo = { name: req.name, topicId: `id-${req.name}`, partitionCount: req.partitions, configs: req.configs, internal: req.name.startsWith('__') };
    this.topics.set(req.name, topic);
    for (let p = 0; p < req.partitions; p++) this.logs.set(this.key({ topic: req.name, partition: p }), []);
    return { errorCode: ErrorCode.NONE, topic };
  }

  async deleteTopic(name: string): Promise<Outcome<{ topic: TopicInfo }>> {
    const t = this.topics.get(name);
    if (t === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
    this.topics.delete(name);
    for (let p = 0; p < t.partitionCount; p++) this.logs.delete(this.key({ topic: name, partition: p }));
    return { errorCode: ErrorCode.NONE, topic: t };
  }

  describeTopicConfigs(): Outcome<{ entries: ConfigEntry[] }> {
    return { errorCode: ErrorCode.NONE, entries: [] };
  }

  previewTopicConfigs(): ConfigEntry[] {
    return [];
  }

  describeBrokerConfigs(): ConfigEntry[] {
    return [];
  }

  // The admin operations are not used by the coordinator's tests.
  createPartitions(): Promise<Outcome<object>> {
    return Promise.resolve({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'not supported by FakeStore' });
  }

  deleteRecords(): Outcome<{ lowWatermark: number }> {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'not supported by FakeStore' };
  }

  setTopicConfigs(): Outcome<object> {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'not supported by FakeStore' };
  }

  dynamicBrokerConfigs(): DynamicBrokerConfigs {
    return { perBroker: {}, clusterDefaults: {} };
  }

  setDynamicBrokerConfigs(): Outcome<object> {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'not supported by FakeStore' };
  }

  describeLogDir(): Promise<LogDirDescription> {
    return Promise.resolve({ path: '/fake', totalBytes: 0, usableBytes: 0, partitions: [] });
  }

  append(tp: TopicPartition, records: Buffer, now: number, origin: 'client' | 'coordinator' = 'client'): Outcome<AppendResult> {
    if (this.failNextAppend !== null) {
      const errorCode = this.failNextAppend as Exclude<ErrorCode, ErrorCode.NONE>;
      this.failNextAppend = null;
      return { errorCode, errorMessage: 'injected failure' };
    }
    const log = this.logs.get(this.key(tp));
    if (log === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
    const v = validateRecordSet(records, { maxMessageBytes: 1048588, now, origin: origin === 'client' ? 'client' : 'internal' });
    if (!v.ok) return { errorCode: v.errorCode as Exclude<ErrorCode, ErrorCode.NONE>, errorMessage: v.message };
    const baseOffset = log.length === 0 ? 0 : log[log.length - 1]!.nextOffset;
    const bytes = Buffer.from(records);
    setBaseOffset(bytes, 0, baseOffset);
    log.push({ baseOffset, nextOffset: baseOffset + v.offsetCount, bytes });
    this.appends++;
    return { errorCode: ErrorCode.NONE, baseOffset, lastOffset: baseOffset + v.offsetCount - 1, logAppendTime: -1, logStartOffset: 0 };
  }

  waitDurable(): Promise<void> {
    return this.holdDurability ? new Promise(() => {}) : Promise.resolve();
  }

  read(tp: TopicPartition, offset: number, maxBytes: number, minOneBatch: boolean): Outcome<ReadResult> {
    const log = this.logs.get(this.key(tp));
    if (log === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
    const out: Buffer[] = [];
    let size = 0;
    for (const b of log) {
      if (b.nextOffset <= offset) continue;
      if (size + b.bytes.length > maxBytes && !(minOneBatch && out.length === 0)) break;
      out.push(b.bytes);
      size += b.bytes.length;
    }
    const hwm = log.length === 0 ? 0 : log[log.length - 1]!.nextOffset;
    return { errorCode: ErrorCode.NONE, records: Buffer.concat(out), highWatermark: hwm, lastStableOffset: hwm, logStartOffset: 0, abortedTransactions: [] };
  }

  /** Markers are appended unchecked: producer state is the real store's business. */
  writeTxnMarker(tp: TopicPartition, m: TxnMarkerWrite, now: number): Outcome<{ offset: number }> {
    if (this.failTxnMarkers) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: 'injected failure' };
    const batch = buildMarkerBatch({ producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, type: m.commit ? 'COMMIT' : 'ABORT' }, now);
    const r = this.append(tp, batch, now, 'coordinator');
    return r.errorCode === ErrorCode.NONE ? { errorCode: ErrorCode.NONE, offset: r.baseOffset } : r;
  }

  activeProducers(): Outcome<{ producers: ActiveProducer[] }> {
    return { errorCode: ErrorCode.NONE, producers: [] };
  }

  offsets(tp: TopicPartition): Outcome<PartitionOffsets> {
    const log = this.logs.get(this.key(tp));
    if (log === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
    const hwm = log.length === 0 ? 0 : log[log.length - 1]!.nextOffset;
    return { errorCode: ErrorCode.NONE, logStartOffset: 0, highWatermark: hwm, lastStableOffset: hwm };
  }

  offsetForTimestamp(): Outcome<{ found: { offset: number; timestamp: number } | null }> {
    return { errorCode: ErrorCode.NONE, found: null };
  }

  maxTimestamp(): Outcome<{ found: { offset: number; timestamp: number } | null }> {
    return { errorCode: ErrorCode.NONE, found: null };
  }

  onAppend(): () => void {
    return () => {};
  }

  /** Every batch of a partition, as stored. */
  batches(tp: TopicPartition): Buffer[] {
    return (this.logs.get(this.key(tp)) ?? []).map((b) => b.bytes);
  }

  async close(): Promise<void> {}
}
