// What the request handlers need from wherever partitions live: the local
// segmented log (storage/) or, later, an upstream Kafka cluster (gateway/).
// Domain types only: topics, partitions, batch bytes and offsets.

import type { ErrorCode } from '../protocol/generated/index.js';
import type { ConfigEntry } from '../config/values.js';
import type { ReadOptions, TopicPartition } from '../storage/types.js';

export interface TopicInfo {
  name: string;
  /** Base64url UUID, as Kafka prints topic ids. */
  topicId: string;
  partitionCount: number;
  /** Only the configs set on the topic (overrides). */
  configs: Record<string, string>;
  internal: boolean;
}


export type Outcome<T> = ({ errorCode: ErrorCode.NONE } & T) | { errorCode: Exclude<ErrorCode, ErrorCode.NONE>; errorMessage: string | null };

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker time written into the batches for LogAppendTime topics, -1 for CreateTime. */
  logAppendTime: number;
  logStartOffset: number;
}

/** Why a record made its batch be rejected (Produce v8+ record_errors). */
export interface RecordError {
  /** Index of the record within its batch. */
  batchIndex: number;
  message: string | null;
}

export interface ReadResult {
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed only: aborted transactions with data in the returned range, by first offset. */
  abortedTransactions: { producerId: number; firstOffset: number }[];
}

/** A transaction marker for one partition (written by the transaction coordinator). */
export interface TxnMarkerWrite {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

/** One producer's state in a partition (DescribeProducers). */
export interface ActiveProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of its ongoing transaction, -1 when none. */
  currentTxnStartOffset: number;
}

export interface PartitionOffsets {
  logStartOffset: number;
  highWatermark: number;
  lastStableOffset: number;
}

export interface CreateTopicRequest {
  name: string;
  partitions: number;
  configs: Record<string, string>;
  validateOnly: boolean;
}

/** Dynamic broker configs (AlterConfigs on BROKER resources): this broker's and the cluster default (""). */
export interface DynamicBrokerConfigs {
  perBroker: Record<string, string>;
  clusterDefaults: Record<string, string>;
}

export interface LogDirDescription {
  path: string;
  totalBytes: number;
  usableBytes: number;
  partitions: { topic: string; partition: number; size: number }[];
}

export interface PartitionStore {
  readonly clusterId: string;

  listTopics(): TopicInfo[];
  getTopic(name: string): TopicInfo | undefined;
  getTopicById(topicId: string): TopicInfo | undefined;
  createTopic(req: CreateTopicRequest): Promise<Outcome<{ topic: TopicInfo }>>;
  deleteTopic(name: string): Promise<Outcome<{ topic: TopicInfo }>>;
  describeTopicConfigs(name: string, includeSynonyms: boolean, includeDocumentation: boolean): Outcome<{ entries: ConfigEntry[] }>;
  /** The configs a topic created with these overrides would have (CreateTopics with validate_only). */
  previewTopicConfigs(overrides: Record<string, string>): ConfigEntry[];
  describeBrokerConfigs(includeSynonyms: boolean, includeDocumentation: boolean): ConfigEntry[];

  /**
   * Validates a produced record set and appends it: offsets assigned, bytes handed to the OS.
   * A retried idempotent batch already in the log answers with its original offsets. A
   * failure caused by particular records lists them in recordErrors. Origin 'coordinator'
   * (the broker's own coordinators) may write several batches and transactional batches
   * without sequences.
   */
  append(tp: TopicPartition, records: Buffer, now: number, origin?: 'client' | 'coordinator'): Outcome<AppendResult> & { recordErrors?: RecordError[] };
  /** Writes a COMMIT or ABORT marker (checked against the partition's producer state). */
  writeTxnMarker(tp: TopicPartition, marker: TxnMarkerWrite, now: number): Outcome<{ offset: number }>;
  /** The producers a partition remembers (idempotent and transactional). */
  activeProducers(tp: TopicPartition): Outcome<{ producers: ActiveProducer[] }>;
  /** Resolves once the offset is as durable as the flush policy asks (acks=all waits for this). */
  waitDurable(tp: TopicPartition, offset: number): Promise<void>;
  /**
   * Whole batches from `offset`. `options.readCommitted` stops at the last stable offset and lists
   * the aborted transactions; `options.lendForResponse` only on the Fetch path (see ReadOptions).
   */
  read(tp: TopicPartition, offset: number, maxBytes: number, minOneBatch: boolean, options?: ReadOptions): Outcome<ReadResult>;
  offsets(tp: TopicPartition): Outcome<PartitionOffsets>;
  /** The earliest offset whose timestamp is at or after ts, or null (ListOffsets by timestamp). */
  offsetForTimestamp(tp: TopicPartition, ts: number): Outcome<{ found: { offset: number; timestamp: number } | null }>;
  /** The record with the largest timestamp (ListOffsets -3, KIP-734), or null for an empty log. */
  maxTimestamp(tp: TopicPartition): Outcome<{ found: { offset: number; timestamp: number } | null }>;
  /** Calls listener whenever the partition's high watermark moves; returns the unsubscribe function. */
  onAppend(tp: TopicPartition, listener: () => void): () => void;

  // ---- admin (CreatePartitions, DeleteRecords, AlterConfigs, DescribeLogDirs)

  /** Grows a topic to `count` partitions (INVALID_PARTITIONS unless it is an increase). */
  createPartitions(name: string, count: number, validateOnly: boolean): Promise<Outcome<object>>;
  /** Moves the log start offset to `offset` (-1: the high watermark); answers the new low watermark. */
  deleteRecords(tp: TopicPartition, offset: number): Outcome<{ lowWatermark: number }>;
  /** Replaces a topic's overrides (validated), persists them and applies them to its logs. */
  setTopicConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): Outcome<object>;
  dynamicBrokerConfigs(): DynamicBrokerConfigs;
  /** Replaces the dynamic broker configs (read-only properties are INVALID_CONFIG), persists and applies them. */
  setDynamicBrokerConfigs(configs: DynamicBrokerConfigs, validateOnly: boolean): Outcome<object>;
  /** The data directory with its partitions' sizes and the file system's space. */
  describeLogDir(): Promise<LogDirDescription>;

  close(): Promise<void>;
}
