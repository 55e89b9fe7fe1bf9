// Domain types shared by the partition log and its callers. Offsets and
// timestamps are JS numbers: the broker assigns offsets, which stay far below 2^53.

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface ReadOptions {
  /** read_committed (KIP-98): stop at the last stable offset and list the aborted transactions in the range. */
  readCommitted?: boolean;
  /**
   * Read into a buffer borrowed from the read-buffer pool (protocol/read-buffers.ts),
   * which the connection reuses once the response carrying it is written. Only
   * for bytes that go out in a response and are kept by no one (Fetch): a
   * reader that keeps views of what it read (group state loaded from
   * __consumer_offsets) must not lend, or its state is overwritten by a later read.
   */
  lendForResponse?: boolean;
}

/** The effective settings of one partition log: topic overrides over broker defaults. */
export interface LogConfig {
  /** segment.bytes: roll the active segment once it would exceed this size. */
  segmentBytes: number;
  /** segment.ms: roll the active segment once its first batch is this old. */
  segmentMs: number;
  /** retention.ms: delete closed segments whose newest record is older; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes: delete the oldest closed segments while the log is larger; -1 is no limit. */
  retentionBytes: number;
  /** flush.messages: fsync after this many records; Number.MAX_SAFE_INTEGER leaves it to the OS. */
  flushMessages: number;
  /** flush.ms: fsync when the oldest unflushed record is this old; Number.MAX_SAFE_INTEGER leaves it to the OS. */
  flushMs: number;
  /** max.message.bytes: the largest record batch accepted. */
  maxMessageBytes: number;
  /** index.interval.bytes: bytes between two offset index entries. */
  indexIntervalBytes: number;
  /** segment.index.bytes: the most an offset or time index may hold before the segment rolls. */
  segmentIndexBytes: number;
  /** message.timestamp.type. */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** cleanup.policy, as a list (delete, compact). */
  cleanupPolicy: string[];
  /** file.delete.delay.ms: how long a deleted segment lingers before its files go. */
  fileDeleteDelayMs: number;
  /** compression.type: `producer` keeps the producer's codec, `uncompressed` or a codec name recompresses. */
  compressionType: string;
  /** compression.gzip.level (-1: zlib's default). */
  compressionGzipLevel: number;
  /** compression.zstd.level. */
  compressionZstdLevel: number;
  /** delete.retention.ms: how long the cleaner keeps tombstones after it first sees them (KIP-534 delete horizon). */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: the share of dirty bytes that makes a compacted log worth cleaning. */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: dirty records older than this get the log cleaned whatever its dirty ratio. */
  maxCompactionLagMs: number;
}
