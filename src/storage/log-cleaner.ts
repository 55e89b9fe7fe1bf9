// Log compaction (cleanup.policy=compact, Kafka's LogCleaner), run by the
// LogManager's timer every log.cleaner.backoff.ms on the filthiest log.
//
// A pass over one partition:
// 1. The cleanable range ends at the first uncleanable offset: the active
//    segment, or the first segment holding records younger than
//    min.compaction.lag.ms. The dirty part starts at the checkpoint left by the
//    previous pass. The log is cleaned when dirty bytes / (clean + dirty)
//    reaches min.cleanable.dirty.ratio, when its oldest dirty record passed
//    max.compaction.lag.ms, or when a kept tombstone's delete horizon passed.
// 2. Key -> latest offset over the dirty part (records decoded, decompressed
//    as needed), bounded by log.cleaner.dedupe.buffer.size: a full map ends
//    the pass at that segment, the rest waits for the next pass.
// 3. Every closed segment from the log start to the end of the mapped range is
//    rewritten, small neighbours merged up to segment.bytes: a record survives
//    when no later record has its key; a tombstone survives until its batch's
//    delete horizon (KIP-534: set to cleaning time + delete.retention.ms the
//    first time a pass keeps it) has passed. Batches keep their base and last
//    offsets (so offsets are never reused and producers' last sequences hold),
//    their codec, producer fields and record timestamps; a batch nothing
//    changed in is copied as is. The last batch of an active idempotent
//    producer stays, emptied if need be, as in Kafka.
// 4. Each rewritten group is written to `.cleaned`, fsync'd, then swapped in
//    (see PartitionLog.swapInCleanedSegment for the crash-safe rename order).
// Work yields to the event loop every few MiB, so produce and fetch go on.
// Transactions: the cleanable range also ends before the oldest open
// transaction (the last stable offset); batches of aborted transactions (from
// the aborted-transaction index) neither enter the key map, where they would
// shadow committed values, nor survive the rewrite. Transaction markers are
// kept (Kafka removes them once their transaction's data is gone and their
// delete horizon passed; keeping them costs a few bytes and changes nothing a
// consumer sees).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createLogger } from '../observability/logger.js';
import {
  BASE_TIMESTAMP_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CompressionCodec, DELETE_HORIZON_FLAG_MASK,
  RECORD_BATCH_OVERHEAD, RecordDecodeError, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK,
  assembleBatch, batchFieldsOf, encodeRecordsBody, rawRecords, readBatchHeader, readInt64,
  type RawRecord, type RecordToEncode,
} from '../protocol/records/batch.js';
import { CompressionError, compress, decompress, decompressionLimit } from '../protocol/records/compression.js';
import { CLEANED_SUFFIX, partitionDirName, type PartitionLog } from './partition-log.js';
import { offsetFileName, readFully, type LogSegment, type ScannedBatch } from './segment.js';
import type { AbortedTxn } from './transaction-index.js';

const log = createLogger('log-cleaner');

/** Per-partition record of how far the log is clean: `<first dirty offset> <earliest delete horizon>`. */
export const CLEANER_CHECKPOINT_FILE = 'cleaner-checkpoint';
const MAX_RELATIVE_OFFSET = 0x7fffffff;
const READ_CHUNK_BYTES = 1 << 20;
/** Rough JS cost of one map entry beyond its key (Map slot, string header, number). */
const MAP_ENTRY_OVERHEAD = 72;

export interface CleanerOptions {
  /** log.cleaner.dedupe.buffer.size: memory for the key map of one pass. */
  dedupeBufferSize: number;
  /** Yield to the event loop after processing this many bytes (default 4 MiB). */
  yieldEveryBytes?: number;
  now?: () => number;
}

export interface CleanerCheckpoint {
  firstDirtyOffset: number;
  /** Earliest delete horizon among kept tombstones, -1 when none. */
  earliestDeleteHorizon: number;
}

export function readCleanerCheckpoint(dir: string): CleanerCheckpoint | null {
  try {
    const [a, b] = fs.readFileSync(path.join(dir, CLEANER_CHECKPOINT_FILE), 'utf8').trim().split(/\s+/);
    const firstDirtyOffset = Number(a);
    const earliestDeleteHorizon = Number(b ?? -1);
    if (!Number.isSafeInteger(firstDirtyOffset) || firstDirtyOffset < 0 || !Number.isSafeInteger(earliestDeleteHorizon)) return null;
    return { firstDirtyOffset, earliestDeleteHorizon };
  } catch {
    return null;
  }
}

function writeCleanerCheckpoint(dir: string, cp: CleanerCheckpoint): void {
  const file = path.join(dir, CLEANER_CHECKPOINT_FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${cp.firstDirtyOffset} ${cp.earliestDeleteHorizon}\n`);
  fs.renameSync(tmp, file);
}

/** What a log looks like to the cleaner right now (Kafka's LogToClean). */
export interface CleanableState {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes). */
  dirtyRatio: number;
  /** Why the log should be cleaned now, or null. */
  reason: 'dirty ratio' | 'max.compaction.lag.ms' | 'delete horizon' | null;
}

export function cleanableState(plog: PartitionLog, now: number): CleanableState {
  const cfg = plog.logConfig;
  const segments = plog.closedSegments();
  const checkpoint = readCleanerCheckpoint(plog.dir);
  let firstDirty = Math.max(checkpoint?.firstDirtyOffset ?? 0, plog.logStartOffset);
  // A checkpoint past the log end belongs to an older incarnation of the log.
  if (firstDirty > plog.logEndOffset) firstDirty = plog.logStartOffset;
  let firstUncleanable = plog.activeSegmentBaseOffset;
  const lastStable = plog.lastStableOffset;
  for (const seg of segments) {
    if (seg.nextOffset <= firstDirty) continue;
    // A segment holding an open transaction's data, or records younger than min.compaction.lag.ms, and all after it wait.
    if (seg.nextOffset > lastStable || (cfg.minCompactionLagMs > 0 && seg.maxTimestamp > now - cfg.minCompactionLagMs)) {
      firstUncleanable = Math.min(firstUncleanable, seg.baseOffset);
      break;
    }
  }
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let firstDirtySegment: LogSegment | null = null;
  for (const seg of segments) {
    if (seg.nextOffset <= firstDirty) cleanBytes += seg.size;
    else if (seg.baseOffset < firstUncleanable) {
      dirtyBytes += seg.size;
      firstDirtySegment ??= seg;
    }
  }
  const total = cleanBytes + dirtyBytes;
  const dirtyRatio = total === 0 ? 0 : dirtyBytes / total;
  let reason: CleanableState['reason'] = null;
  if (dirtyBytes > 0 && dirtyRatio >= cfg.minCleanableDirtyRatio) reason = 'dirty ratio';
  else if (
    dirtyBytes > 0 && firstDirtySegment !== null && cfg.maxCompactionLagMs < Number.MAX_SAFE_INTEGER &&
    firstDirtySegment.rollingBasedTimestamp !== null && firstDirtySegment.rollingBasedTimestamp >= 0 &&
    now - firstDirtySegment.rollingBasedTimestamp > cfg.maxCompactionLagMs
  ) {
    reason = 'max.compaction.lag.ms';
  } else if (checkpoint !== null && checkpoint.earliestDeleteHorizon >= 0 && checkpoint.earliestDeleteHorizon <= now && cleanBytes > 0) {
    reason = 'delete horizon';
  }
  return { firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, cleanBytes, dirtyBytes, dirtyRatio, reason };
}

export interface CleaningStats {
  partition: string;
  reason: string;
  firstDirtyOffset: number;
  /** The pass cleaned up to here; the next starts its dirty part here. */
  cleanedUpTo: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  /** Batches of aborted transactions dropped. */
  abortedBatchesRemoved: number;
  tombstonesRemoved: number;
  /** Groups not swapped in because the log changed meanwhile (the pass then stops). */
  aborted: boolean;
}

class CleaningAborted extends Error {}

/**
 * Calls `visit` for each batch of `seg` (bytes included) from position `from`,
 * reading in 1 MiB chunks, until about `maxBytes` were visited. Returns the
 * position to continue from; throws when the segment cannot be read to its end
 * (a cleaned copy would then lose records).
 */
function forEachBatch(seg: LogSegment, from: number, maxBytes: number, visit: (b: ScannedBatch, bytes: Buffer) => void): number {
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;
  let processed = 0;
  let next = from;
  const result = seg.scan(from, seg.size, false, -Infinity, (b) => {
    if (processed >= maxBytes) return false;
    if (b.position < chunkStart || b.position + b.size > chunkStart + chunk.length) {
      const len = Math.max(b.size, Math.min(READ_CHUNK_BYTES, seg.size - b.position));
      chunk = Buffer.allocUnsafe(len);
      const n = readFully(seg.fd, chunk, 0, len, b.position);
      if (n < b.size) throw new Error(`short read of a batch at ${b.position} in ${seg.logPath}`);
      chunkStart = b.position;
    }
    visit(b, chunk.subarray(b.position - chunkStart, b.position - chunkStart + b.size));
    processed += b.size;
    next = b.position + b.size;
    return true;
  });
  if (next === from && from < seg.size) {
    throw new CleaningAborted(`cannot read ${seg.logPath} past position ${from}: ${result.error ?? 'no progress'}`);
  }
  return next;
}

interface DecodedBatch {
  records: RawRecord[];
  baseTimestamp: number;
}

export class LogCleaner {
  private readonly yieldEvery: number;
  private readonly now: () => number;

  constructor(private readonly options: CleanerOptions) {
    this.yieldEvery = options.yieldEveryBytes ?? 4 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /**
   * Cleans the compacted log that most needs it (highest dirty ratio among
   * those due), if any. `shouldStop` is polled between chunks of work.
   */
  async cleanFilthiest(logs: Iterable<PartitionLog>, shouldStop: () => boolean = () => false): Promise<CleaningStats | null> {
    const now = this.now();
    let best: { plog: PartitionLog; state: CleanableState } | null = null;
    for (const plog of logs) {
      if (plog.isClosed || plog.cleaning || !plog.logConfig.cleanupPolicy.includes('compact')) continue;
      const state = cleanableState(plog, now);
      if (state.reason === null) continue;
      if (best === null || state.dirtyRatio > best.state.dirtyRatio) best = { plog, state };
    }
    if (best === null) return null;
    return this.cleanLog(best.plog, best.state, shouldStop);
  }

  /** Cleans one log now, due or not (tests, tools). Null when there is nothing to rewrite. */
  async clean(plog: PartitionLog, shouldStop: () => boolean = () => false): Promise<CleaningStats | null> {
    return this.cleanLog(plog, cleanableState(plog, this.now()), shouldStop);
  }

  private async cleanLog(plog: PartitionLog, state: CleanableState, shouldStop: () => boolean): Promise<CleaningStats | null> {
    if (plog.isClosed || plog.cleaning) return null;
    plog.cleaning = true;
    try {
      return await this.doClean(plog, state, shouldStop);
    } catch (e) {
      if (!(e instanceof CleaningAborted)) throw e;
      if (e.message !== '') log.error('log cleaning abandoned', { partition: partitionDirName(plog.topicPartition), error: e });
      return null;
    } finally {
      plog.cleaning = false;
    }
  }

  private async maybeYield(state: { sinceYield: number }, plog: PartitionLog, shouldStop: () => boolean): Promise<void> {
    if (state.sinceYield < this.yieldEvery) return;
    state.sinceYield = 0;
    await yieldToLoop();
    if (shouldStop() || plog.isClosed) throw new CleaningAborted();
  }

  private decodeBatch(bytes: Buffer, limit: number): DecodedBatch | null {
    const h = readBatchHeader(bytes, 0);
    try {
      const body = decompress(h.attributes & COMPRESSION_CODEC_MASK, bytes.subarray(RECORD_BATCH_OVERHEAD), limit);
      return { records: [...rawRecords(body, h.recordCount)], baseTimestamp: h.baseTimestamp };
    } catch (e) {
      if (e instanceof CompressionError || e instanceof RecordDecodeError) return null;
      throw e;
    }
  }

  private async doClean(plog: PartitionLog, state: CleanableState, shouldStop: () => boolean): Promise<CleaningStats> {
    const cfg = plog.logConfig;
    const now = this.now();
    const partition = partitionDirName(plog.topicPartition);
    const limit = decompressionLimit(cfg.maxMessageBytes);
    const progress = { sinceYield: 0 };
    const segments = plog.closedSegments();
    const stats: CleaningStats = {
      partition, reason: state.reason ?? 'forced', firstDirtyOffset: state.firstDirtyOffset, cleanedUpTo: state.firstDirtyOffset,
      segmentsBefore: 0, segmentsAfter: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0, tombstonesRemoved: 0, abortedBatchesRemoved: 0, aborted: false,
    };

    // 2. The key map over the dirty part, whole segments at a time.
    const aborted = new AbortedBatches(plog.abortedTransactions(plog.logStartOffset, state.firstUncleanableOffset));
    const latest = new Map<string, number>();
    let mapBytes = 0;
    let cleanedUpTo = state.firstDirtyOffset;
    for (const seg of segments) {
      if (seg.nextOffset <= state.firstDirtyOffset) continue;
      if (seg.baseOffset >= state.firstUncleanableOffset) break;
      if (mapBytes >= this.options.dedupeBufferSize) break;
      let pos = 0;
      while (pos < seg.size) {
        pos = forEachBatch(seg, pos, this.yieldEvery, (b, bytes) => {
          if ((b.attributes & CONTROL_FLAG_MASK) !== 0 || b.lastOffset < state.firstDirtyOffset || aborted.contains(b)) return;
          const decoded = this.decodeBatch(bytes, limit);
          if (decoded === null) return;
          for (const r of decoded.records) {
            if (r.key === null) continue;
            const k = r.key.toString('latin1');
            if (!latest.has(k)) mapBytes += MAP_ENTRY_OVERHEAD + k.length;
            latest.set(k, b.baseOffset + r.offsetDelta);
          }
        });
        progress.sinceYield += this.yieldEvery;
        await this.maybeYield(progress, plog, shouldStop);
      }
      cleanedUpTo = seg.nextOffset;
    }
    // The next segment's base, so the range covers whole segments.
    const endIndex = segments.findIndex((s) => s.baseOffset >= cleanedUpTo);
    const rangeEnd = endIndex < 0 ? plog.activeSegmentBaseOffset : (segments[endIndex] as LogSegment).baseOffset;

    // 3 and 4. Rewrite [log start, rangeEnd) in groups, swapping each in as it is done.
    const toClean = segments.filter((s) => s.baseOffset < rangeEnd);
    stats.segmentsBefore = toClean.length;
    let earliestHorizon = -1;
    const ctx: RewriteContext = { now, deleteRetentionMs: cfg.deleteRetentionMs, latest, aborted, limit, plog, stats, onHorizon: (h) => {
      if (earliestHorizon < 0 || h < earliestHorizon) earliestHorizon = h;
    } };
    for (const group of groupSegments(toClean, cfg.segmentBytes)) {
      const base = (group[0] as LogSegment).baseOffset;
      const cleanedPath = path.join(plog.dir, `${offsetFileName(base, '.log')}${CLEANED_SUFFIX}`);
      const fd = fs.openSync(cleanedPath, 'w');
      let written = 0;
      try {
        for (const seg of group) {
          stats.bytesBefore += seg.size;
          let pos = 0;
          while (pos < seg.size) {
            const out: Buffer[] = [];
            pos = forEachBatch(seg, pos, this.yieldEvery, (b, bytes) => {
              const kept = this.rewriteBatch(b, bytes, ctx);
              if (kept !== null) out.push(kept);
            });
            for (const buf of out) {
              let done = 0;
              while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, written + done);
              written += buf.length;
            }
            progress.sinceYield += this.yieldEvery;
            await this.maybeYield(progress, plog, shouldStop);
          }
        }
        fs.fsyncSync(fd);
      } catch (e) {
        fs.closeSync(fd);
        fs.rmSync(cleanedPath, { force: true });
        throw e;
      }
      fs.closeSync(fd);
      if (!plog.swapInCleanedSegment(group, cleanedPath)) {
        fs.rmSync(cleanedPath, { force: true });
        stats.aborted = true;
        log.warn('log changed while cleaning; pass abandoned', { partition, segment: base });
        return stats;
      }
      stats.bytesAfter += written;
      stats.segmentsAfter++;
    }
    stats.cleanedUpTo = cleanedUpTo;
    writeCleanerCheckpoint(plog.dir, { firstDirtyOffset: cleanedUpTo, earliestDeleteHorizon: earliestHorizon });
    log.info('cleaned log', { ...stats });
    return stats;
  }

  /** The batch as it should be after cleaning: the same bytes, a rebuilt batch, or null when nothing of it stays. */
  private rewriteBatch(b: ScannedBatch, bytes: Buffer, ctx: RewriteContext): Buffer | null {
    const attributes = b.attributes;
    if ((attributes & CONTROL_FLAG_MASK) !== 0) return bytes;
    if (ctx.aborted.contains(b)) {
      ctx.stats.recordsRemoved += b.recordCount;
      ctx.stats.abortedBatchesRemoved++;
      return null;
    }
    const decoded = this.decodeBatch(bytes, ctx.limit);
    if (decoded === null) {
      log.warn('kept a batch the cleaner cannot decode', { partition: ctx.stats.partition, offset: b.baseOffset });
      return bytes;
    }
    const hasHorizon = (attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
    const horizon = hasHorizon ? readInt64(bytes, BASE_TIMESTAMP_OFFSET) : -1;
    const dropTombstones = hasHorizon && horizon <= ctx.now;
    const kept: RawRecord[] = [];
    let keptTombstones = false;
    for (const r of decoded.records) {
      if (r.key === null) {
        ctx.stats.recordsRemoved++;
        continue;
      }
      const offset = b.baseOffset + r.offsetDelta;
      const newest = ctx.latest.get(r.key.toString('latin1'));
      if (newest !== undefined && newest > offset) {
        ctx.stats.recordsRemoved++;
        continue;
      }
      if (r.nullValue) {
        if (dropTombstones) {
          ctx.stats.recordsRemoved++;
          ctx.stats.tombstonesRemoved++;
          continue;
        }
        keptTombstones = true;
      }
      kept.push(r);
    }
    const needHorizon = keptTombstones && !hasHorizon;
    if (keptTombstones) ctx.onHorizon(hasHorizon ? horizon : ctx.now + ctx.deleteRetentionMs);
    if (kept.length === decoded.records.length && !needHorizon) return bytes;
    if (kept.length === 0) {
      // Kafka keeps the last batch of a live producer, emptied, so its sequence survives compaction.
      const entry = b.producerId >= 0 ? ctx.plog.producerState.entry(b.producerId) : undefined;
      if (entry === undefined || entry.lastDataOffset !== b.lastOffset) return null;
    }
    return rebuildBatch(bytes, decoded, kept, needHorizon ? ctx.now + ctx.deleteRetentionMs : horizon);
  }
}

interface RewriteContext {
  now: number;
  deleteRetentionMs: number;
  latest: Map<string, number>;
  aborted: AbortedBatches;
  limit: number;
  plog: PartitionLog;
  stats: CleaningStats;
  onHorizon: (horizon: number) => void;
}

/**
 * The batch with only `kept` records: same base and last offset, codec,
 * producer fields and leader epoch (Kafka's buildRetainedRecordsInto). The
 * base timestamp is the delete horizon when there is one (deltas re-based so
 * record timestamps do not change), else the first kept record's timestamp.
 */
function rebuildBatch(original: Buffer, decoded: DecodedBatch, kept: RawRecord[], horizon: number): Buffer {
  const h = readBatchHeader(original, 0);
  const fields = batchFieldsOf(h);
  const logAppendTime = (h.attributes & TIMESTAMP_TYPE_MASK) !== 0;
  const timestamps = kept.map((r) => decoded.baseTimestamp + r.timestampDelta);
  let base: number;
  if (horizon >= 0) {
    base = horizon;
    fields.attributes = h.attributes | DELETE_HORIZON_FLAG_MASK;
  } else {
    base = timestamps[0] ?? h.baseTimestamp;
    fields.attributes = h.attributes & ~DELETE_HORIZON_FLAG_MASK;
  }
  const records: RecordToEncode[] = kept.map((r, i) => ({
    attributes: r.attributes,
    timestampDelta: (timestamps[i] as number) - base,
    offsetDelta: r.offsetDelta,
    tail: r.tail,
  }));
  fields.baseTimestamp = base;
  fields.recordCount = kept.length;
  if (!logAppendTime) fields.maxTimestamp = timestamps.length === 0 ? -1 : Math.max(...timestamps);
  const codec = h.attributes & COMPRESSION_CODEC_MASK;
  const body = encodeRecordsBody(records);
  // An emptied batch is written uncompressed: a header with no records.
  if (kept.length === 0) {
    fields.attributes &= ~COMPRESSION_CODEC_MASK;
    fields.baseTimestamp = horizon >= 0 ? horizon : -1;
    fields.maxTimestamp = h.maxTimestamp;
  }
  return assembleBatch(fields, kept.length === 0 || codec === CompressionCodec.None ? body : compress(codec, body));
}

/**
 * Consecutive segments merged while their total size stays within
 * segment.bytes and their offsets within a segment's 32-bit relative range
 * (Kafka's groupSegmentsBySize).
 */
export function groupSegments(segments: readonly LogSegment[], maxSize: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i] as LogSegment;
    const group = [first];
    let size = first.size;
    i++;
    while (i < segments.length) {
      const next = segments[i] as LogSegment;
      if (size + next.size > maxSize) break;
      if (next.nextOffset - 1 - first.baseOffset > MAX_RELATIVE_OFFSET) break;
      group.push(next);
      size += next.size;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/** Which transactional batches belong to aborted transactions (by producer id and offset range). */
class AbortedBatches {
  private readonly byProducer = new Map<number, AbortedTxn[]>();

  constructor(txns: readonly AbortedTxn[]) {
    for (const t of txns) {
      let list = this.byProducer.get(t.producerId);
      if (list === undefined) this.byProducer.set(t.producerId, (list = []));
      list.push(t);
    }
  }

  contains(b: ScannedBatch): boolean {
    if ((b.attributes & TRANSACTIONAL_FLAG_MASK) === 0 || (b.attributes & CONTROL_FLAG_MASK) !== 0) return false;
    const list = this.byProducer.get(b.producerId);
    return list !== undefined && list.some((t) => t.firstOffset <= b.baseOffset && b.lastOffset <= t.lastOffset);
  }
}
