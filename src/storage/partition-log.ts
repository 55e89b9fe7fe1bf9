// The durable log of one partition: segments of record batches under
// <dataDir>/<topic>-<partition>/, named by base offset like Kafka's. Appends
// are synchronous (one writeSync per record set, offsets written into the
// request's bytes in place); durability follows flush.messages / flush.ms
// with group-committed async fdatasync; reads are one positional read of a
// chunk located through the sparse offset index.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppendResult } from '../broker/partition-store.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CompressionCodec,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
  decodeRecords,
  readInt64,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  setPartitionLeaderEpoch,
} from '../protocol/records/batch.js';
import { CorruptSnapshotError, ProducerStateManager, type CompletedTxn, type ProducerCheck, type ProducerStateConfig } from '../coordinator/producer-state.js';
import { readMarker, type TxnMarker } from '../protocol/records/control-records.js';
import { releaseReadBuffer } from '../protocol/read-buffers.js';
import { createLogger } from '../observability/logger.js';
import { LogSegment, offsetFileName, parseSegmentFileName, type ScannedBatch } from './segment.js';
import { TXN_INDEX_SUFFIX, TransactionIndex, type AbortedTxn } from './transaction-index.js';
import type { LogConfig, ReadOptions, TopicPartition } from './types.js';
import { ErrorCode } from '../protocol/generated/errors.js';

const log = createLogger('storage');

/** Per-partition file holding the log start offset (moved by DeleteRecords), written atomically. */
export const LOG_START_OFFSET_FILE = 'log-start-offset';
/** Producer state snapshots: `<offset>.snapshot`, as Kafka names them. */
export const SNAPSHOT_SUFFIX = '.snapshot';
/** Older snapshots are kept as a fallback should the newest be unreadable. */
const SNAPSHOTS_TO_KEEP = 2;
const MAX_RELATIVE_OFFSET = 0x7fffffff;
/** Kafka's default producer.id.expiration.ms (1 day). */
export const DEFAULT_PRODUCER_STATE_CONFIG: ProducerStateConfig = { producerIdExpirationMs: 86_400_000 };

export interface PartitionLogOptions {
  now?: () => number;
  /** The data dir was shut down cleanly: trust the active segment's index files instead of scanning it. */
  cleanShutdown?: boolean;
  /** producer.id.expiration.ms and friends; Kafka's defaults when absent. */
  producerState?: ProducerStateConfig;
  /** Bytes appended between two writebacks (DEFAULT_WRITEBACK_BYTES when absent; 0 never writes back). */
  writebackBytes?: number;
}

/**
 * Every this many bytes appended, a partition writes its dirty pages back: an
 * asynchronous fdatasync on libuv's pool, the same as a flush, whatever the
 * flush policy. Left to the kernel, dirty pages pile up to
 * vm.dirty_background_ratio (GBs on a large machine) before writeback starts,
 * and then writers are throttled inside write(2); here that write is the
 * event loop's, and every client waits (bench/OPTIMISATIONS.md, change 11:
 * stalls of 10-80 ms in pwrite during bench (d)). Written back as it goes, a
 * partition never holds more than this much unwritten, and nothing waits for it.
 */
export const DEFAULT_WRITEBACK_BYTES = 16 * 1024 * 1024;

/** What append needs from validateRecordSet's result. */
export interface AppendInfo {
  recordCount: number;
  /** Partition leader epoch to stamp into each batch (Kafka writes the leader's epoch); default 0. */
  leaderEpoch?: number;
}

export interface ReadResult {
  /** 0, or OFFSET_OUT_OF_RANGE (1) when fetchOffset is outside [logStartOffset, highWatermark]. */
  errorCode: number;
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** For read_committed reads: the aborted transactions with data in the returned range. */
  abortedTransactions: AbortedTxn[];
}

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
}

export interface DeleteRecordsResult {
  errorCode: number;
  lowWatermark: number;
}

interface FlushWaiter {
  offset: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const EMPTY = Buffer.alloc(0);

/** The log cleaner writes a new segment under this suffix, then renames it to a swap file. */
export const CLEANED_SUFFIX = '.cleaned';

/**
 * `<base>.log.<end>.swap`: a cleaned segment replacing the segments with base
 * offsets in [base, end). Kafka names it `<base>.log.swap`; recording the end
 * lets a restart finish the swap even when the cleaned segment came out empty.
 */
export function swapFileName(base: number, end: number): string {
  return `${offsetFileName(base, '.log')}.${String(end).padStart(20, '0')}.swap`;
}

export function parseSwapFileName(name: string): { base: number; end: number } | null {
  const m = /^(\d{20})\.log\.(\d{20})\.swap$/.exec(name);
  if (m === null) return null;
  const base = Number(m[1]);
  const end = Number(m[2]);
  return Number.isSafeInteger(base) && Number.isSafeInteger(end) && end > base ? { base, end } : null;
}

/** fsync of a directory, so renames in it are durable; best effort (not every platform allows it). */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Durability of the rename is then up to the OS.
  }
}

export function partitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/**
 * segment.ms, or max.compaction.lag.ms when that is shorter on a compacted
 * topic (KIP-354): the active segment is never cleaned, so it must roll for
 * its records to become cleanable within the lag.
 */
function maxSegmentMs(c: LogConfig): number {
  return c.cleanupPolicy.includes('compact') ? Math.min(c.segmentMs, c.maxCompactionLagMs) : c.segmentMs;
}

function leavesFlushToOs(c: LogConfig): boolean {
  return c.flushMessages >= Number.MAX_SAFE_INTEGER && c.flushMs >= Number.MAX_SAFE_INTEGER;
}

export class PartitionLog {
  private segments: LogSegment[] = [];
  private _logStartOffset = 0;
  private closed = false;
  private listeners = new Set<(highWatermark: number) => void>();
  // Flush state: offsets below flushedOffset are on stable storage.
  private flushedOffset = 0;
  /** Bytes appended since the last flush began (see DEFAULT_WRITEBACK_BYTES). */
  private unwrittenBytes = 0;
  private unflushedMessages = 0;
  private lastFlushTime: number;
  private flushInFlight: Promise<void> | null = null;
  private flushAgain = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private waiters: FlushWaiter[] = [];
  private pendingDeletes = new Set<NodeJS.Timeout>();
  /** Idempotent/transactional producers' state, rebuilt from snapshots and batch headers on load. */
  readonly producerState: ProducerStateManager;
  /** Aborted-transaction index per segment base offset (only segments with a marker file or entry). */
  private readonly txnIndexes = new Map<number, TransactionIndex>();
  /** Offset of the newest producer state snapshot on disk (-1 when none). */
  private lastSnapshotOffset = -1;
  /** Set while the log cleaner rewrites segments: retention then leaves segments alone. */
  cleaning = false;

  private constructor(
    readonly dir: string,
    readonly topicPartition: TopicPartition,
    private config: LogConfig,
    private readonly now: () => number,
    producerStateConfig: ProducerStateConfig,
    private readonly writebackBytes: number,
  ) {
    this.lastFlushTime = now();
    this.producerState = new ProducerStateManager(partitionDirName(topicPartition), producerStateConfig);
  }

  /** Opens (creating if needed) the log in `dir`, recovering the active segment. */
  static async open(dir: string, topicPartition: TopicPartition, config: LogConfig, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const plog = new PartitionLog(dir, topicPartition, config, options.now ?? Date.now, options.producerState ?? DEFAULT_PRODUCER_STATE_CONFIG,
      options.writebackBytes ?? DEFAULT_WRITEBACK_BYTES);
    plog.load(options.cleanShutdown === true);
    return plog;
  }

  private load(cleanShutdown: boolean): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const bases: number[] = [];
    const names = fs.readdirSync(this.dir);
    for (const name of names) {
      // .cleaned: the log cleaner's output that was never swapped in; the segments it was made from are intact.
      if (name.endsWith('.deleted') || name.endsWith('.tmp') || name.endsWith(CLEANED_SUFFIX)) {
        fs.rmSync(path.join(this.dir, name), { force: true });
      }
    }
    this.completeInterruptedSwaps();
    for (const name of fs.readdirSync(this.dir)) {
      const base = parseSegmentFileName(name, '.log');
      if (base !== null) bases.push(base);
    }
    bases.sort((a, b) => a - b);
    const checkpoint = this.readLogStartOffsetCheckpoint();
    const settings = this.config;
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i] as number;
      const isLast = i === bases.length - 1;
      const prev = this.segments[this.segments.length - 1];
      if (prev !== undefined && base < prev.nextOffset) {
        log.warn('segment overlaps its predecessor; deleting it and the segments after it', { partition: this.name, segment: base });
        this.removeSegmentFilesFrom(bases.slice(i));
        break;
      }
      const { segment, truncatedBytes, reason, rebuilt } = LogSegment.load(this.dir, base, settings, isLast && !cleanShutdown);
      this.segments.push(segment);
      if (rebuilt && !isLast) {
        // A closed segment's indexes were missing or insane: persist the rebuilt ones so the next start is fast.
        log.info('rebuilt segment indexes', { partition: this.name, segment: base });
        segment.writeIndexes(true);
      }
      if (truncatedBytes > 0) {
        log.warn('truncated a torn or corrupt log tail during recovery', {
          partition: this.name,
          segment: base,
          truncatedBytes,
          validSize: segment.size,
          nextOffset: segment.nextOffset,
          reason: reason ?? '',
        });
        if (!isLast) {
          // A closed segment was fsync'd when it rolled, so this is media corruption, not a torn write.
          // Later segments are kept (they may hold acknowledged records): the log gets an offset gap,
          // which fetches skip like the gaps compaction leaves.
          log.error('closed segment was corrupt; its tail was cut and later segments kept', { partition: this.name, segment: base });
          segment.writeIndexes(true);
        }
      }
    }
    // Remove orphan index files (their .log is gone); open the aborted-transaction indexes.
    const live = new Set(this.segments.map((s) => s.baseOffset));
    for (const name of fs.readdirSync(this.dir)) {
      const base = parseSegmentFileName(name, '.index') ?? parseSegmentFileName(name, '.timeindex');
      if (base !== null && !live.has(base)) fs.rmSync(path.join(this.dir, name), { force: true });
      const txnBase = parseSegmentFileName(name, TXN_INDEX_SUFFIX);
      if (txnBase === null) continue;
      if (live.has(txnBase)) this.txnIndexes.set(txnBase, TransactionIndex.open(path.join(this.dir, name)));
      else fs.rmSync(path.join(this.dir, name), { force: true });
    }
    if (this.segments.length === 0) {
      this.segments.push(LogSegment.create(this.dir, Math.max(checkpoint ?? 0, 0), this.config, this.now()));
    }
    const first = this.segments[0] as LogSegment;
    this._logStartOffset = Math.min(Math.max(checkpoint ?? first.baseOffset, first.baseOffset), this.logEndOffset);
    this.flushedOffset = this.logEndOffset;
    this.loadProducerState();
  }

  /**
   * A `.swap` file is a complete cleaned segment whose swap-in a crash
   * interrupted (the cleaner fsyncs it before the rename). Finish the swap:
   * remove the segments it replaces, whose base offsets its name records,
   * then give it its `.log` name. Indexes are rebuilt by the load.
   */
  private completeInterruptedSwaps(): void {
    for (const name of fs.readdirSync(this.dir).sort()) {
      const range = parseSwapFileName(name);
      if (range === null) continue;
      const aborted: AbortedTxn[] = [];
      for (const other of fs.readdirSync(this.dir).sort()) {
        const txnBase = parseSegmentFileName(other, TXN_INDEX_SUFFIX);
        if (txnBase !== null && txnBase >= range.base && txnBase < range.end) {
          aborted.push(...TransactionIndex.open(path.join(this.dir, other)).all());
          fs.rmSync(path.join(this.dir, other), { force: true });
          continue;
        }
        const base = parseSegmentFileName(other, '.log') ?? parseSegmentFileName(other, '.index') ?? parseSegmentFileName(other, '.timeindex');
        if (base !== null && base >= range.base && base < range.end) fs.rmSync(path.join(this.dir, other), { force: true });
      }
      if (aborted.length > 0) TransactionIndex.open(path.join(this.dir, offsetFileName(range.base, TXN_INDEX_SUFFIX))).replaceWith(aborted);
      fs.renameSync(path.join(this.dir, name), path.join(this.dir, offsetFileName(range.base, '.log')));
      log.warn('completed a log cleaner swap interrupted by a restart', { partition: this.name, segment: range.base, replacedUpTo: range.end });
    }
  }

  private removeSegmentFilesFrom(bases: number[]): void {
    for (const base of bases) {
      for (const suffix of ['.log', '.index', '.timeindex', TXN_INDEX_SUFFIX]) {
        fs.rmSync(path.join(this.dir, `${String(base).padStart(20, '0')}${suffix}`), { force: true });
      }
    }
  }

  private get name(): string {
    return partitionDirName(this.topicPartition);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1] as LogSegment;
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** Single node: everything appended is visible, so the high watermark is the log end offset. */
  get highWatermark(): number {
    return this.active.nextOffset;
  }

  /**
   * The offset below which every transaction is decided (KIP-98):
   * read_committed consumers read up to here, no further.
   */
  get lastStableOffset(): number {
    const unstable = this.producerState.firstUnstableOffset();
    return unstable === null ? this.highWatermark : Math.min(unstable, this.highWatermark);
  }

  get sizeInBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first (for tests and tooling). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  get logConfig(): LogConfig {
    return this.config;
  }

  updateConfig(config: LogConfig): void {
    this.config = config;
    if (leavesFlushToOs(config)) {
      this.clearFlushTimer();
      this.resolveWaiters(Number.MAX_SAFE_INTEGER);
    } else if (this.unflushedMessages >= config.flushMessages) {
      this.requestFlush();
    } else {
      this.armFlushTimer();
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`partition log ${this.name} is closed`);
  }

  /**
   * Appends a validated record set: assigns offsets in place (and the leader
   * epoch, and LogAppendTime when configured), rolls first if needed, writes
   * it with one writeSync and indexes it. Throws on I/O errors (the caller
   * answers KAFKA_STORAGE_ERROR); the file is then cut back to its old size.
   */
  append(records: Buffer, info: AppendInfo, now: number): AppendResult {
    this.ensureOpen();
    const total = records.length;
    if (total === 0) throw new RangeError('cannot append an empty record set');
    // First pass: bounds, offset span and max timestamp, for the roll decision.
    let offsets = 0;
    let maxTimestamp = -1;
    for (let pos = 0; pos < total; ) {
      if (pos + RECORD_BATCH_OVERHEAD > total) throw new RangeError(`truncated record batch at ${pos}`);
      const size = records.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      if (size < RECORD_BATCH_OVERHEAD || pos + size > total) throw new RangeError(`record batch at ${pos} does not fit the record set`);
      offsets += records.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET) + 1;
      const ts = readInt64(records, pos + MAX_TIMESTAMP_OFFSET);
      if (ts > maxTimestamp) maxTimestamp = ts;
      pos += size;
    }
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? now : -1;
    if (logAppendTime >= 0) maxTimestamp = now;
    const baseOffset = this.logEndOffset;
    const lastOffset = baseOffset + offsets - 1;
    if (this.shouldRoll(total, maxTimestamp, lastOffset, now)) this.roll(now);
    const seg = this.active;

    // Second pass: offsets, epoch, LogAppendTime, in the request's own bytes.
    const leaderEpoch = info.leaderEpoch ?? 0;
    let next = baseOffset;
    for (let pos = 0; pos < total; ) {
      const size = records.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      setBaseOffset(records, pos, next);
      setPartitionLeaderEpoch(records, pos, leaderEpoch);
      if (logAppendTime >= 0) setMaxTimestampAndLogAppendTime(records, pos, logAppendTime);
      next += records.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET) + 1;
      pos += size;
    }

    const position = seg.size;
    try {
      let done = 0;
      while (done < total) done += fs.writeSync(seg.fd, records, done, total - done, position + done);
    } catch (e) {
      try {
        fs.ftruncateSync(seg.fd, position);
      } catch {
        // The write error is the one to report.
      }
      throw e;
    }
    seg.size = position + total;
    seg.dirty = true;
    seg.lastModified = now;
    const interval = this.config.indexIntervalBytes;
    for (let pos = 0; pos < total; ) {
      const size = records.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      const bBase = readInt64(records, pos);
      const lastOffsetDelta = records.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
      const bLast = bBase + lastOffsetDelta;
      const maxTs = readInt64(records, pos + MAX_TIMESTAMP_OFFSET);
      seg.trackBatch(position + pos, size, bBase, bLast, maxTs, interval);
      const attributes = records.readInt16BE(pos + ATTRIBUTES_OFFSET);
      const isControl = (attributes & CONTROL_FLAG_MASK) !== 0;
      const completed = this.producerState.applyBatch({
        producerId: readInt64(records, pos + PRODUCER_ID_OFFSET),
        producerEpoch: records.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
        baseSequence: records.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
        lastOffsetDelta,
        isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
        isControl,
        firstOffset: bBase,
        lastOffset: bLast,
        maxTimestamp: maxTs,
        marker: isControl ? markerOf(records.subarray(pos, pos + size)) : null,
      });
      if (completed !== null) this.completeTxn(seg, completed);
      pos += size;
    }

    this.unflushedMessages += info.recordCount;
    this.unwrittenBytes += total;
    if (this.unflushedMessages >= this.config.flushMessages) this.requestFlush();
    else if (this.writebackBytes > 0 && this.unwrittenBytes >= this.writebackBytes) this.requestFlush();
    else this.armFlushTimer();

    const hw = this.highWatermark;
    for (const listener of this.listeners) {
      try {
        listener(hw);
      } catch (e) {
        log.error('append listener failed', { partition: this.name, error: e as Error });
      }
    }
    return { baseOffset, lastOffset, logAppendTime, logStartOffset: this._logStartOffset };
  }

  private shouldRoll(size: number, maxTimestamp: number, lastOffset: number, now: number): boolean {
    const seg = this.active;
    if (seg.size === 0) return false;
    if (seg.size + size > this.config.segmentBytes) return true;
    if (seg.offsetIndex.isFull() || seg.timeIndex.isFull()) return true;
    if (lastOffset - seg.baseOffset > MAX_RELATIVE_OFFSET) return true;
    // segment.ms, Kafka-style: measured from the first batch's timestamp when it has one.
    const rolling = seg.rollingBasedTimestamp;
    const waited = rolling !== null && rolling >= 0 && maxTimestamp >= 0 ? maxTimestamp - rolling : now - seg.createdAt;
    return waited > maxSegmentMs(this.config);
  }

  /** Seals the active segment (indexes written, fsync scheduled) and starts a new one at logEndOffset. */
  roll(now: number = this.now()): void {
    this.ensureOpen();
    const old = this.active;
    if (old.size === 0) return;
    old.writeIndexes(true);
    this.segments.push(LogSegment.create(this.dir, old.nextOffset, this.config, now));
    // Kafka snapshots producer state at every roll, so recovery replays at most the active segment.
    this.takeProducerSnapshot();
    // Kafka flushes a rolled segment in the background; so do we.
    this.requestFlush();
  }

  // --------------------------------------------------------- producer state

  /**
   * Checks a client's (single-batch, validated) record set against producer
   * state before it is appended: a retry of a recent batch is a duplicate
   * (answer with its original offsets), a fenced epoch or a sequence gap an
   * error. Header fields only.
   */
  checkProducerAppend(records: Buffer): ProducerCheck {
    this.ensureOpen();
    if (records.length < RECORD_BATCH_OVERHEAD) return { kind: 'ok' };
    const attributes = records.readInt16BE(ATTRIBUTES_OFFSET);
    return this.producerState.checkClientBatch(
      {
        producerId: readInt64(records, PRODUCER_ID_OFFSET),
        producerEpoch: records.readInt16BE(PRODUCER_EPOCH_OFFSET),
        baseSequence: records.readInt32BE(BASE_SEQUENCE_OFFSET),
        lastOffsetDelta: records.readInt32BE(LAST_OFFSET_DELTA_OFFSET),
        isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
        isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
      },
      this.logEndOffset,
    );
  }

  /** producer.id.expiration.ms, driven by the LogManager's timer. Returns how many producers were forgotten. */
  /** Kafka's completeTransaction: an aborted transaction goes into the index of the marker's segment. */
  private completeTxn(seg: LogSegment, completed: CompletedTxn): void {
    if (!completed.isAborted) return;
    const { producerId, firstOffset, lastOffset } = completed;
    this.txnIndexFor(seg.baseOffset).append({ producerId, firstOffset, lastOffset, lastStableOffset: this.producerState.stableOffsetAfter(completed) });
  }

  private txnIndexFor(base: number): TransactionIndex {
    let idx = this.txnIndexes.get(base);
    if (idx === undefined) {
      idx = TransactionIndex.open(path.join(this.dir, offsetFileName(base, TXN_INDEX_SUFFIX)));
      this.txnIndexes.set(base, idx);
    }
    return idx;
  }

  /** Checks a transaction marker against producer state before it is written. */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number): ProducerCheck {
    this.ensureOpen();
    return this.producerState.checkMarker(producerId, producerEpoch, coordinatorEpoch);
  }

  /** Checks a batch a coordinator writes (no sequence; the producer epoch must not go back). */
  checkCoordinatorAppend(records: Buffer): ProducerCheck {
    this.ensureOpen();
    if (records.length < RECORD_BATCH_OVERHEAD) return { kind: 'ok' };
    return this.producerState.checkCoordinatorBatch(readInt64(records, PRODUCER_ID_OFFSET), records.readInt16BE(PRODUCER_EPOCH_OFFSET));
  }

  /**
   * The aborted transactions a read_committed fetch of [fetchOffset,
   * upperBoundOffset) must report: those with data in that range, whose
   * markers lie in this segment or a later one.
   */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    if (this.txnIndexes.size === 0) return out;
    const from = this.segments[this.floorSegmentIndex(fetchOffset)]?.baseOffset ?? 0;
    for (const [base, idx] of this.txnIndexes) if (base >= from) idx.collect(fetchOffset, upperBoundOffset, out);
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  removeExpiredProducers(now: number): number {
    if (this.closed) return 0;
    return this.producerState.removeExpired(now);
  }

  /** Offsets of the producer state snapshot files on disk, oldest first. */
  producerSnapshotOffsets(): number[] {
    const out: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const offset = parseSegmentFileName(name, SNAPSHOT_SUFFIX);
      if (offset !== null) out.push(offset);
    }
    return out.sort((a, b) => a - b);
  }

  /**
   * Writes `<logEndOffset>.snapshot` (atomically: temp file, fsync, rename)
   * unless one exists at that offset, then prunes older snapshots. A failure
   * is logged, not thrown: recovery just replays more headers.
   */
  private takeProducerSnapshot(): void {
    const offset = this.producerState.mapEndOffset;
    if (offset <= this.lastSnapshotOffset) return;
    const file = path.join(this.dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
    const tmp = `${file}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        const data = this.producerState.serializeSnapshot();
        let done = 0;
        while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, done);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
      this.lastSnapshotOffset = offset;
      const all = this.producerSnapshotOffsets();
      for (const old of all.slice(0, Math.max(0, all.length - SNAPSHOTS_TO_KEEP))) {
        fs.rmSync(path.join(this.dir, offsetFileName(old, SNAPSHOT_SUFFIX)), { force: true });
      }
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      log.warn('could not write a producer state snapshot', { partition: this.name, offset, error: e as Error });
    }
  }

  /**
   * Rebuilds producer state: the newest readable snapshot at or below the log
   * end offset, then the headers of every batch after it (Kafka's
   * loadProducerState). Snapshots past the log end (a truncated tail) are removed.
   */
  private loadProducerState(): void {
    const end = this.logEndOffset;
    const offsets = this.producerSnapshotOffsets();
    for (const offset of offsets) {
      if (offset > end) fs.rmSync(path.join(this.dir, offsetFileName(offset, SNAPSHOT_SUFFIX)), { force: true });
    }
    const now = this.now();
    let from = this._logStartOffset;
    this.producerState.clear(from);
    // Like Kafka's lastSnapOffset: with no snapshot, the log start counts as one (an empty log needs none).
    this.lastSnapshotOffset = from;
    for (const offset of offsets.filter((o) => o <= end).reverse()) {
      const file = path.join(this.dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
      try {
        this.producerState.loadSnapshot(fs.readFileSync(file), offset, now);
        from = offset;
        this.lastSnapshotOffset = offset;
        break;
      } catch (e) {
        if (!(e instanceof CorruptSnapshotError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
        log.warn('ignoring an unreadable producer state snapshot', { partition: this.name, offset, error: e as Error });
        fs.rmSync(file, { force: true });
      }
    }
    if (from >= end) {
      this.producerState.updateMapEndOffset(end);
      return;
    }
    // Markers from `from` on are replayed below and put their aborted transactions back.
    for (const idx of this.txnIndexes.values()) idx.truncateFrom(from);
    let replayed = 0;
    for (let i = this.floorSegmentIndex(from); i < this.segments.length; i++) {
      const seg = this.segments[i] as LogSegment;
      if (seg.nextOffset <= from) continue;
      const start = seg.offsetIndex.lookup(Math.max(from, seg.baseOffset)).position;
      seg.scan(start, seg.size, false, -Infinity, (b) => {
        if (b.lastOffset < from) return true;
        const isControl = (b.attributes & CONTROL_FLAG_MASK) !== 0;
        const completed = this.producerState.applyBatch({
          producerId: b.producerId,
          producerEpoch: b.producerEpoch,
          baseSequence: b.baseSequence,
          lastOffsetDelta: b.lastOffset - b.baseOffset,
          isTransactional: (b.attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
          isControl,
          firstOffset: b.baseOffset,
          lastOffset: b.lastOffset,
          maxTimestamp: b.maxTimestamp,
          marker: isControl ? markerOf(seg.readAt(b.position, b.size)) : null,
        });
        if (completed !== null) this.completeTxn(seg, completed);
        replayed++;
        return true;
      });
    }
    this.producerState.updateMapEndOffset(end);
    this.producerState.removeExpired(now);
    if (replayed > 0) log.info('rebuilt producer state from the log', { partition: this.name, from, batches: replayed, producers: this.producerState.producerCount });
  }

  // ---------------------------------------------------------------- flushing

  /**
   * Resolves once the record at `offset` is durable per the flush policy:
   * at once when the policy leaves flushing to the OS (Kafka's default),
   * else after the fdatasync that covers it (shared by all waiters).
   */
  waitForFlush(offset: number): Promise<void> {
    if (offset < this.flushedOffset || leavesFlushToOs(this.config)) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`partition log ${this.name} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      if (this.unflushedMessages >= this.config.flushMessages) this.requestFlush();
      else this.armFlushTimer();
      // Someone awaits this flush: the timer must keep the process alive.
      this.flushTimer?.ref();
    });
  }

  /** Flushes everything appended so far. */
  flush(): Promise<void> {
    const target = this.logEndOffset;
    if (target <= this.flushedOffset && !this.segments.some((s) => s.dirty)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ offset: target - 1, resolve, reject });
      this.requestFlush();
    });
  }

  /** flush.ms check, driven by the LogManager's flush timer. */
  flushIfDue(now: number): void {
    if (this.closed || this.unflushedMessages === 0) return;
    if (now - this.lastFlushTime >= this.config.flushMs) this.requestFlush();
  }

  private armFlushTimer(): void {
    if (this.flushTimer !== null || this.closed) return;
    if (this.config.flushMs >= Number.MAX_SAFE_INTEGER) return;
    if (this.unflushedMessages === 0 && this.waiters.length === 0) return;
    const delay = Math.max(0, Math.min(this.config.flushMs - (this.now() - this.lastFlushTime), 2 ** 31 - 1));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.requestFlush();
    }, delay);
    if (this.waiters.length === 0) this.flushTimer.unref();
  }

  private clearFlushTimer(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
  }

  private requestFlush(): void {
    if (this.flushInFlight !== null) {
      this.flushAgain = true;
      return;
    }
    if (this.closed && this.segments.every((s) => s.closed)) return;
    this.flushInFlight = this.doFlush();
  }

  private async doFlush(): Promise<void> {
    const target = this.logEndOffset;
    this.unflushedMessages = 0;
    this.unwrittenBytes = 0;
    this.clearFlushTimer();
    const dirty = this.segments.filter((s) => s.dirty && !s.closed);
    for (const s of dirty) s.dirty = false;
    try {
      await Promise.all(
        dirty.map(
          (s) =>
            new Promise<void>((resolve, reject) => {
              fs.fdatasync(s.fd, (err) => (err === null ? resolve() : reject(err)));
            }),
        ),
      );
      this.flushedOffset = Math.max(this.flushedOffset, target);
      this.lastFlushTime = this.now();
      this.resolveWaiters(target);
    } catch (e) {
      for (const s of dirty) s.dirty = true;
      log.error('fdatasync failed', { partition: this.name, error: e as Error });
      const failed = this.waiters.filter((w) => w.offset < target);
      this.waiters = this.waiters.filter((w) => w.offset >= target);
      for (const w of failed) w.reject(e as Error);
    } finally {
      this.flushInFlight = null;
      const again = this.flushAgain;
      this.flushAgain = false;
      if (again) this.requestFlush();
      else if (this.waiters.length > 0) this.armFlushTimer();
    }
  }

  private resolveWaiters(below: number): void {
    if (this.waiters.length === 0) return;
    const done = this.waiters.filter((w) => w.offset < below);
    this.waiters = this.waiters.filter((w) => w.offset >= below);
    for (const w of done) w.resolve();
  }

  // ------------------------------------------------------------------ reads

  private floorSegmentIndex(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid] as LogSegment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * Whole batches from the one containing fetchOffset, at most maxBytes
   * unless minOneBatch lets the first batch through whole (KIP-74). Data
   * comes from one segment per read, like Kafka. See ReadOptions for lending.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, options: ReadOptions = {}): ReadResult {
    this.ensureOpen();
    const highWatermark = this.highWatermark;
    const lastStableOffset = this.lastStableOffset;
    const logStartOffset = this._logStartOffset;
    const empty: ReadResult = { errorCode: 0, records: EMPTY, highWatermark, lastStableOffset, logStartOffset, abortedTransactions: [] };
    if (fetchOffset < logStartOffset || fetchOffset > highWatermark) return { ...empty, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
    // read_committed stops at the last stable offset, which is always a batch boundary.
    const readCommitted = options.readCommitted === true;
    const maxOffset = readCommitted ? lastStableOffset : highWatermark;
    if (fetchOffset >= maxOffset) return empty;
    for (let i = this.floorSegmentIndex(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i] as LogSegment;
      let records = seg.read(fetchOffset, maxBytes, minOneBatch, this.config.indexIntervalBytes, options.lendForResponse === true);
      if (records === null) continue;
      if (!readCommitted) return { ...empty, records };
      const read = records;
      records = batchesBelow(records, maxOffset);
      if (records.length === 0 && options.lendForResponse === true) releaseReadBuffer(read);
      const upperBound = records.length === 0 ? fetchOffset : offsetAfterLastBatch(records);
      return { ...empty, records, abortedTransactions: upperBound > fetchOffset ? this.abortedTransactions(fetchOffset, upperBound) : [] };
    }
    return empty;
  }

  /** Scans batches of `seg` from the batch containing `fromOffset`; `visit` returns true to stop. */
  private scanFrom(seg: LogSegment, fromOffset: number, visit: (b: ScannedBatch) => boolean): void {
    const start = seg.offsetIndex.lookup(fromOffset).position;
    seg.scan(start, seg.size, false, -Infinity, (b) => !visit(b));
  }

  /**
   * ListOffsets by timestamp: the earliest offset (>= logStartOffset) whose
   * record timestamp is >= ts, with that timestamp; null when there is none.
   * Uncompressed batches are searched record by record; for a compressed
   * batch the answer is at batch granularity (its first offset and its max
   * timestamp), since the log does not decompress.
   */
  offsetForTimestamp(ts: number): TimestampAndOffset | null {
    this.ensureOpen();
    const lso = this._logStartOffset;
    for (const seg of this.segments) {
      if (seg.maxTimestamp < ts || seg.nextOffset <= lso) continue;
      const entry = seg.timeIndex.lookupBefore(ts);
      let answer: TimestampAndOffset | null = null;
      this.scanFrom(seg, Math.max(entry.offset, lso), (b) => {
        if (b.maxTimestamp < ts || b.lastOffset < lso) return false;
        const codec = b.attributes & COMPRESSION_CODEC_MASK;
        if (codec !== CompressionCodec.None) {
          answer = { offset: Math.max(b.baseOffset, lso), timestamp: b.maxTimestamp };
          return true;
        }
        if ((b.attributes & TIMESTAMP_TYPE_MASK) !== 0) {
          answer = { offset: Math.max(b.baseOffset, lso), timestamp: b.maxTimestamp };
          return true;
        }
        for (const r of decodeRecords(seg.readAt(b.position, b.size))) {
          if (r.offset >= lso && r.timestamp >= ts) {
            answer = { offset: r.offset, timestamp: r.timestamp };
            return true;
          }
        }
        return false;
      });
      if (answer !== null) return answer;
    }
    return null;
  }

  /**
   * ListOffsets MAX_TIMESTAMP (-3, KIP-734): the record with the largest
   * timestamp (the first such record). Exact for uncompressed batches; for a
   * compressed batch, its last offset. Null when no record has a timestamp.
   */
  maxTimestampOffset(): TimestampAndOffset | null {
    this.ensureOpen();
    let best: LogSegment | null = null;
    for (const seg of this.segments) {
      if (seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.maxTimestamp)) best = seg;
    }
    if (best === null) return null;
    const seg = best;
    const maxTs = seg.maxTimestamp;
    let answer: TimestampAndOffset | null = null;
    this.scanFrom(seg, seg.offsetOfMaxTimestamp, (b) => {
      if (b.maxTimestamp !== maxTs) return false;
      if ((b.attributes & COMPRESSION_CODEC_MASK) !== CompressionCodec.None) {
        answer = { offset: b.lastOffset, timestamp: maxTs };
        return true;
      }
      for (const r of decodeRecords(seg.readAt(b.position, b.size))) {
        if (r.timestamp === maxTs) {
          answer = { offset: r.offset, timestamp: maxTs };
          return true;
        }
      }
      answer = { offset: b.lastOffset, timestamp: maxTs };
      return true;
    });
    return answer;
  }

  onAppend(listener: (highWatermark: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  // ------------------------------------------------- log start and retention

  /**
   * DeleteRecords: moves logStartOffset to `offset` (-1 means the high
   * watermark), deletes segments wholly below it, and checkpoints it so it
   * survives a restart. OFFSET_OUT_OF_RANGE beyond the high watermark.
   */
  deleteRecordsBefore(offset: number): DeleteRecordsResult {
    this.ensureOpen();
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: this._logStartOffset };
    }
    if (target > this._logStartOffset) {
      this._logStartOffset = target;
      this.writeLogStartOffsetCheckpoint();
      this.deleteSegmentsWhile((seg, next) => next !== undefined && next.baseOffset <= this._logStartOffset, 'log start offset');
    }
    return { errorCode: 0, lowWatermark: this._logStartOffset };
  }

  /**
   * Deletes closed segments (never the active one) past retention.ms (their
   * newest timestamp older than now - retention.ms) and retention.bytes
   * (oldest first while the log stays at or above the limit without them),
   * and those wholly below logStartOffset. Only for cleanup.policy=delete.
   * Returns the number of segments deleted.
   */
  applyRetention(now: number): number {
    this.ensureOpen();
    // The cleaner is rewriting old segments; the next retention check deletes what is due.
    if (this.cleaning) return 0;
    let deleted = this.deleteSegmentsWhile((seg, next) => next !== undefined && next.baseOffset <= this._logStartOffset, 'log start offset');
    if (!this.config.cleanupPolicy.includes('delete')) return deleted;
    const retentionMs = this.config.retentionMs;
    if (retentionMs >= 0) {
      deleted += this.deleteSegmentsWhile((seg) => now - seg.largestTimestamp() > retentionMs, 'retention.ms');
    }
    const retentionBytes = this.config.retentionBytes;
    if (retentionBytes >= 0) {
      let diff = this.sizeInBytes - retentionBytes;
      deleted += this.deleteSegmentsWhile((seg) => {
        if (diff - seg.size >= 0) {
          diff -= seg.size;
          return true;
        }
        return false;
      }, 'retention.bytes');
    }
    return deleted;
  }

  /** Deletes oldest closed segments while `predicate` holds. */
  private deleteSegmentsWhile(predicate: (seg: LogSegment, next: LogSegment | undefined) => boolean, reason: string): number {
    let count = 0;
    while (this.segments.length > 1) {
      const seg = this.segments[0] as LogSegment;
      if (!predicate(seg, this.segments[1])) break;
      this.segments.shift();
      count++;
      this.deleteSegment(seg);
      log.info('deleted segment', { partition: this.name, segment: seg.baseOffset, nextOffset: seg.nextOffset, reason });
    }
    if (count > 0) {
      const first = this.segments[0] as LogSegment;
      if (first.baseOffset > this._logStartOffset) {
        this._logStartOffset = first.baseOffset;
        this.writeLogStartOffsetCheckpoint();
      }
    }
    return count;
  }

  // ------------------------------------------------------------ log cleaner

  /** Closed segments (never the active one), oldest first: what the log cleaner may rewrite. */
  closedSegments(): LogSegment[] {
    return this.segments.slice(0, -1);
  }

  get activeSegmentBaseOffset(): number {
    return this.active.baseOffset;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Swaps a cleaned segment in for `replaced` (consecutive closed segments),
   * crash-safely: the fsync'd `.cleaned` file becomes `<base>.log.<end>.swap`
   * (a restart finishes the swap from there, see completeInterruptedSwaps),
   * the replaced segments are deleted, the swap file becomes `<base>.log` and
   * its indexes are rebuilt. Returns false, touching nothing, when the log
   * changed meanwhile (closed, or those segments deleted by DeleteRecords).
   */
  swapInCleanedSegment(replaced: LogSegment[], cleanedFile: string): boolean {
    if (this.closed || replaced.length === 0) return false;
    const first = this.segments.indexOf(replaced[0] as LogSegment);
    if (first < 0 || first + replaced.length >= this.segments.length) return false;
    for (let i = 0; i < replaced.length; i++) if (this.segments[first + i] !== replaced[i]) return false;
    const base = (replaced[0] as LogSegment).baseOffset;
    const end = (this.segments[first + replaced.length] as LogSegment).baseOffset;
    const swapPath = path.join(this.dir, swapFileName(base, end));
    // The cleaned segment's aborted-transaction index is written first, under its base: a crash
    // from here on leaves it complete (completeInterruptedSwaps merges any leftovers into it).
    const aborted = replaced.flatMap((seg) => this.txnIndexes.get(seg.baseOffset)?.all() ?? []);
    if (aborted.length > 0) this.txnIndexFor(base).replaceWith(aborted);
    fs.renameSync(cleanedFile, swapPath);
    syncDir(this.dir);
    for (const seg of replaced) this.deleteSegment(seg, seg.baseOffset === base);
    fs.renameSync(swapPath, path.join(this.dir, offsetFileName(base, '.log')));
    syncDir(this.dir);
    const { segment } = LogSegment.load(this.dir, base, this.config, true);
    segment.writeIndexes(true);
    this.segments.splice(first, replaced.length, segment);
    return true;
  }

  private deleteSegment(seg: LogSegment, keepTxnIndex = false): void {
    if (!keepTxnIndex) {
      this.txnIndexes.get(seg.baseOffset)?.delete();
      this.txnIndexes.delete(seg.baseOffset);
    }
    const paths = seg.renameForDelete();
    const closeFd = (): void => seg.closeFd();
    // An fdatasync may be using the fd: close it only after that finishes.
    if (this.flushInFlight !== null) void this.flushInFlight.finally(closeFd);
    else closeFd();
    const remove = (): void => {
      for (const p of paths) fs.rmSync(p, { force: true });
    };
    const delay = this.config.fileDeleteDelayMs;
    if (delay <= 0) {
      remove();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingDeletes.delete(timer);
      remove();
    }, delay);
    timer.unref();
    this.pendingDeletes.add(timer);
  }

  private readLogStartOffsetCheckpoint(): number | null {
    try {
      const text = fs.readFileSync(path.join(this.dir, LOG_START_OFFSET_FILE), 'utf8').trim();
      const n = Number(text);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    } catch {
      return null;
    }
  }

  private writeLogStartOffsetCheckpoint(): void {
    const file = path.join(this.dir, LOG_START_OFFSET_FILE);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, `${this._logStartOffset}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  // -------------------------------------------------------------- lifecycle

  private async quiesce(): Promise<void> {
    this.clearFlushTimer();
    while (this.flushInFlight !== null) await this.flushInFlight.catch(() => undefined);
  }

  /** Flushes, writes the active segment's indexes (clean shutdown) and closes every file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch((e: unknown) => log.error('flush on close failed', { partition: this.name, error: e as Error }));
    await this.quiesce();
    this.closed = true;
    this.listeners.clear();
    try {
      this.active.writeIndexes(false);
    } catch (e) {
      log.warn('could not write index files on close', { partition: this.name, error: e as Error });
    }
    // Kafka snapshots at the log end on close: the next start then replays no batch headers.
    this.takeProducerSnapshot();
    for (const seg of this.segments) seg.closeFd();
    for (const timer of this.pendingDeletes) clearTimeout(timer);
    this.pendingDeletes.clear();
    for (const name of fs.readdirSync(this.dir)) {
      if (name.endsWith('.deleted')) fs.rmSync(path.join(this.dir, name), { force: true });
    }
    this.resolveWaiters(Number.MAX_SAFE_INTEGER);
  }

  /** Closes the files without flushing (the data is going away), for deletion by the caller. */
  async closeForDelete(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.quiesce();
    this.listeners.clear();
    for (const seg of this.segments) seg.closeFd();
    for (const timer of this.pendingDeletes) clearTimeout(timer);
    this.pendingDeletes.clear();
    const err = new Error(`partition log ${this.name} was deleted`);
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
  }

  /** Closes and removes the log's directory. */
  async delete(): Promise<void> {
    await this.closeForDelete();
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

/** The marker of a control batch, or null when it is not a readable transaction marker. */
function markerOf(batch: Buffer): TxnMarker | null {
  try {
    return readMarker(batch);
  } catch (e) {
    log.warn('unreadable control batch', { error: e as Error });
    return null;
  }
}

/** The leading whole batches of `records` that start below `maxOffset`. */
function batchesBelow(records: Buffer, maxOffset: number): Buffer {
  let pos = 0;
  while (pos + RECORD_BATCH_OVERHEAD <= records.length && readInt64(records, pos) < maxOffset) {
    pos += records.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  }
  return pos >= records.length ? records : records.subarray(0, pos);
}

/** One past the last offset of the last whole batch in `records`. */
function offsetAfterLastBatch(records: Buffer): number {
  let pos = 0;
  let next = 0;
  while (pos + RECORD_BATCH_OVERHEAD <= records.length) {
    next = readInt64(records, pos) + records.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET) + 1;
    pos += records.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  }
  return next;
}
