// One segment of a partition log: the .log file of whole record batches plus
// its sparse offset and time indexes. A segment knows how to scan its batch
// headers (in large chunks, one positional read each), to recover (validate
// every batch, truncate a torn tail) and to serve one read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  BASE_SEQUENCE_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  readInt64,
} from '../protocol/records/batch.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { acquireReadBuffer, releaseReadBuffer } from '../protocol/read-buffers.js';
import { OFFSET_INDEX_ENTRY_SIZE, OffsetIndex, TIME_INDEX_ENTRY_SIZE, TimeIndex } from './indexes.js';

const SCAN_CHUNK_BYTES = 1 << 20;
const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

export function offsetFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

/** Parses `00000000000000000042.log` to 42; null for other names. */
export function parseSegmentFileName(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix)) return null;
  const stem = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(stem)) return null;
  const n = Number(stem);
  return Number.isSafeInteger(n) ? n : null;
}

export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  attributes: number;
  /** Producer fields of the header: recovery rebuilds producer state from them. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface ScanResult {
  /** Position after the last valid batch. */
  validEnd: number;
  /** Why the scan stopped early; null when it reached the end. */
  error: string | null;
}

/** Reads up to `len` bytes at `position`, looping over short reads; returns the count read. */
export function readFully(fd: number, buf: Buffer, offset: number, len: number, position: number): number {
  let done = 0;
  while (done < len) {
    const n = fs.readSync(fd, buf, offset + done, len - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

export function writeFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
  }
}

export interface SegmentSettings {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

export class LogSegment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes of valid batches in the .log (the file is never longer once loaded). */
  size = 0;
  /** One past the last offset in this segment (baseOffset when empty). */
  nextOffset: number;
  /** Largest batch maxTimestamp seen, -1 if none. */
  maxTimestamp = -1;
  /** Base offset of the batch that holds maxTimestamp (batch granularity). */
  offsetOfMaxTimestamp = -1;
  /** First batch's max timestamp: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  rollingBasedTimestamp: number | null = null;
  /** Wall-clock time of creation or last append, for retention when records carry no timestamp. */
  lastModified: number;
  bytesSinceLastIndexEntry = 0;
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  /** Appended since the last fdatasync. */
  dirty = false;
  closed = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    public fd: number,
    readonly createdAt: number,
    settings: SegmentSettings,
  ) {
    this.logPath = path.join(dir, offsetFileName(baseOffset, '.log'));
    this.indexPath = path.join(dir, offsetFileName(baseOffset, '.index'));
    this.timeIndexPath = path.join(dir, offsetFileName(baseOffset, '.timeindex'));
    this.nextOffset = baseOffset;
    this.lastModified = createdAt;
    this.offsetIndex = new OffsetIndex(baseOffset, LogSegment.maxOffsetEntries(settings));
    this.timeIndex = new TimeIndex(baseOffset, LogSegment.maxTimeEntries(settings));
  }

  static maxOffsetEntries(s: SegmentSettings): number {
    return Math.max(1, Math.floor(s.segmentIndexBytes / OFFSET_INDEX_ENTRY_SIZE));
  }

  static maxTimeEntries(s: SegmentSettings): number {
    return Math.max(1, Math.floor(s.segmentIndexBytes / TIME_INDEX_ENTRY_SIZE));
  }

  /** A new, empty segment (an existing file of the same name is truncated). */
  static create(dir: string, baseOffset: number, settings: SegmentSettings, now: number): LogSegment {
    const fd = fs.openSync(path.join(dir, offsetFileName(baseOffset, '.log')), 'w+');
    const seg = new LogSegment(dir, baseOffset, fd, now, settings);
    fs.rmSync(seg.indexPath, { force: true });
    fs.rmSync(seg.timeIndexPath, { force: true });
    return seg;
  }

  /**
   * Opens an existing segment. With `recover`, every batch is validated and
   * the file truncated at the first invalid one; otherwise the index files
   * are trusted when sane and only the tail after the last index entry is
   * scanned (and validated), falling back to recovery when anything is off.
   * Returns the number of bytes truncated.
   */
  static load(
    dir: string,
    baseOffset: number,
    settings: SegmentSettings,
    recover: boolean,
  ): { segment: LogSegment; truncatedBytes: number; reason: string | null; rebuilt: boolean } {
    const logPath = path.join(dir, offsetFileName(baseOffset, '.log'));
    const fd = fs.openSync(logPath, 'r+');
    const stat = fs.fstatSync(fd);
    const seg = new LogSegment(dir, baseOffset, fd, stat.mtimeMs, settings);
    seg.size = stat.size;
    if (!recover && seg.loadIndexesAndScanTail(settings)) {
      return { segment: seg, truncatedBytes: 0, reason: null, rebuilt: false };
    }
    const result = seg.rebuild(settings);
    return { segment: seg, truncatedBytes: result.truncatedBytes, reason: result.reason, rebuilt: true };
  }

  private loadIndexesAndScanTail(settings: SegmentSettings): boolean {
    let offsetIndex: OffsetIndex | null;
    let timeIndex: TimeIndex | null;
    try {
      offsetIndex = OffsetIndex.fromBuffer(fs.readFileSync(this.indexPath), this.baseOffset, LogSegment.maxOffsetEntries(settings), this.size);
      timeIndex = TimeIndex.fromBuffer(fs.readFileSync(this.timeIndexPath), this.baseOffset, LogSegment.maxTimeEntries(settings));
    } catch {
      return false;
    }
    if (offsetIndex === null || timeIndex === null) return false;
    if (this.size > 0 && offsetIndex.entries === 0 && this.size > settings.indexIntervalBytes * 4 + (1 << 20)) {
      // An index this empty for a large segment was probably lost: rebuild it.
      return false;
    }
    const last = offsetIndex.lastEntry();
    const from = last?.position ?? 0;
    let expected = last?.offset ?? this.baseOffset;
    let maxTs = -1;
    let maxTsOffset = -1;
    let first: ScannedBatch | null = null;
    const result = this.scan(from, this.size, true, expected, (b) => {
      if (last !== null && first === null && b.baseOffset !== last.offset) return false;
      first ??= b;
      if (b.maxTimestamp > maxTs) {
        maxTs = b.maxTimestamp;
        maxTsOffset = b.baseOffset;
      }
      expected = b.lastOffset + 1;
      return true;
    });
    if (result.error !== null || result.validEnd !== this.size) return false;
    const lastTime = timeIndex.lastEntry();
    if (lastTime !== null && lastTime.offset >= expected) return false;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.nextOffset = expected;
    this.bytesSinceLastIndexEntry = this.size - from;
    if (lastTime !== null) {
      this.maxTimestamp = lastTime.timestamp;
      this.offsetOfMaxTimestamp = lastTime.offset;
    }
    if (maxTs > this.maxTimestamp) {
      this.maxTimestamp = maxTs;
      this.offsetOfMaxTimestamp = maxTsOffset;
    }
    if (this.size > 0) this.rollingBasedTimestamp = this.readFirstBatchMaxTimestamp();
    return true;
  }

  private readFirstBatchMaxTimestamp(): number | null {
    const buf = Buffer.allocUnsafe(8);
    if (readFully(this.fd, buf, 0, 8, MAX_TIMESTAMP_OFFSET) !== 8) return null;
    return readInt64(buf, 0);
  }

  /** Full scan with CRC validation: rebuilds the indexes, truncates a torn or corrupt tail. */
  rebuild(settings: SegmentSettings): { truncatedBytes: number; reason: string | null } {
    this.offsetIndex = new OffsetIndex(this.baseOffset, LogSegment.maxOffsetEntries(settings));
    this.timeIndex = new TimeIndex(this.baseOffset, LogSegment.maxTimeEntries(settings));
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.rollingBasedTimestamp = null;
    this.bytesSinceLastIndexEntry = 0;
    const fileSize = this.size;
    const result = this.scan(0, fileSize, true, this.baseOffset, (b) => {
      this.trackBatch(b.position, b.size, b.baseOffset, b.lastOffset, b.maxTimestamp, settings.indexIntervalBytes);
      return true;
    });
    let truncatedBytes = 0;
    if (result.validEnd < fileSize) {
      fs.ftruncateSync(this.fd, result.validEnd);
      truncatedBytes = fileSize - result.validEnd;
      this.dirty = true;
    }
    this.size = result.validEnd;
    return { truncatedBytes, reason: result.error };
  }

  /** Index and bookkeeping for one batch written at `position` (append and recovery share it, Kafka-style). */
  trackBatch(position: number, size: number, baseOffset: number, lastOffset: number, maxTimestamp: number, indexIntervalBytes: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceLastIndexEntry > indexIntervalBytes) {
      this.offsetIndex.append(baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    if (this.rollingBasedTimestamp === null) this.rollingBasedTimestamp = maxTimestamp;
    this.nextOffset = lastOffset + 1;
  }

  /**
   * Walks the batch headers in [from, end) with one positional read per 1 MiB
   * chunk. With `validateCrc`, each batch's CRC32C is checked (streamed across
   * chunks for big batches, never allocating a claimed size). `visit` returning
   * false stops the scan there (reported as an error).
   */
  scan(from: number, end: number, validateCrc: boolean, expectedMinOffset: number, visit: (b: ScannedBatch) => boolean): ScanResult {
    if (from >= end) return { validEnd: from, error: null };
    const buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, end - from));
    let bufStart = 0;
    let bufLen = 0;
    const fill = (at: number): void => {
      bufStart = at;
      bufLen = readFully(this.fd, buf, 0, Math.min(buf.length, end - at), at);
    };
    let pos = from;
    let expected = expectedMinOffset;
    while (pos < end) {
      if (end - pos < RECORD_BATCH_OVERHEAD) {
        return { validEnd: pos, error: `truncated batch header at position ${pos} (${end - pos} bytes left)` };
      }
      if (pos < bufStart || pos + RECORD_BATCH_OVERHEAD > bufStart + bufLen) fill(pos);
      if (pos + RECORD_BATCH_OVERHEAD > bufStart + bufLen) {
        return { validEnd: pos, error: `short read at position ${pos}` };
      }
      const o = pos - bufStart;
      const batchLength = buf.readInt32BE(o + BATCH_LENGTH_OFFSET);
      const magic = buf.readInt8(o + MAGIC_OFFSET);
      if (magic !== CURRENT_MAGIC) return { validEnd: pos, error: `invalid magic ${magic} at position ${pos}` };
      if (batchLength < MIN_BATCH_LENGTH) return { validEnd: pos, error: `invalid batch length ${batchLength} at position ${pos}` };
      const size = batchLength + LOG_OVERHEAD;
      if (size > end - pos) return { validEnd: pos, error: `torn batch at position ${pos}: length ${size}, ${end - pos} bytes left` };
      const baseOffset = readInt64(buf, o);
      const lastOffsetDelta = buf.readInt32BE(o + LAST_OFFSET_DELTA_OFFSET);
      if (baseOffset < expected || lastOffsetDelta < 0) {
        return { validEnd: pos, error: `unexpected offsets at position ${pos}: base ${baseOffset}, expected at least ${expected}` };
      }
      const storedCrc = buf.readUInt32BE(o + CRC_OFFSET);
      const maxTimestamp = readInt64(buf, o + MAX_TIMESTAMP_OFFSET);
      const attributes = buf.readInt16BE(o + ATTRIBUTES_OFFSET);
      // Read before the CRC check: streaming a large batch's CRC refills `buf`.
      const producerId = readInt64(buf, o + PRODUCER_ID_OFFSET);
      const producerEpoch = buf.readInt16BE(o + PRODUCER_EPOCH_OFFSET);
      const baseSequence = buf.readInt32BE(o + BASE_SEQUENCE_OFFSET);
      const recordCount = buf.readInt32BE(o + RECORD_COUNT_OFFSET);
      if (validateCrc) {
        let crc: number;
        if (pos + size <= bufStart + bufLen) {
          crc = crc32c(buf.subarray(o + ATTRIBUTES_OFFSET, o + size));
        } else {
          crc = crc32c(buf.subarray(o + ATTRIBUTES_OFFSET, bufLen));
          let at = bufStart + bufLen;
          while (at < pos + size) {
            fill(at);
            const take = Math.min(bufLen, pos + size - at);
            if (take <= 0) return { validEnd: pos, error: `short read in batch at position ${pos}` };
            crc = crc32c(buf.subarray(0, take), crc);
            at += take;
          }
        }
        if (crc !== storedCrc) return { validEnd: pos, error: `crc mismatch at position ${pos} (stored ${storedCrc}, computed ${crc})` };
      }
      const b: ScannedBatch = {
        position: pos,
        size,
        baseOffset,
        lastOffset: baseOffset + lastOffsetDelta,
        maxTimestamp,
        attributes,
        producerId,
        producerEpoch,
        baseSequence,
        recordCount,
      };
      if (!visit(b)) return { validEnd: pos, error: `scan stopped at position ${pos}` };
      expected = b.lastOffset + 1;
      pos += size;
    }
    return { validEnd: pos, error: null };
  }

  /**
   * Reads `len` bytes at `position`: into a fresh buffer, or with `lend` into
   * one borrowed from the read-buffer pool, which the connection takes back
   * once a response carrying it is written (only for bytes nobody keeps).
   */
  readAt(position: number, len: number, lend = false): Buffer {
    const buf = lend ? acquireReadBuffer(len) : Buffer.allocUnsafe(len);
    const n = readFully(this.fd, buf, 0, len, position);
    return n === len ? buf : buf.subarray(0, n);
  }

  /**
   * Whole batches starting with the one that contains `target`: null when no
   * batch of this segment reaches `target`. One read of the index position
   * plus `maxBytes` and a look-ahead in the common case. With `lend` the bytes
   * are in a pooled buffer (see readAt); reads it discards go straight back.
   */
  read(target: number, maxBytes: number, minOneBatch: boolean, indexIntervalBytes: number, lend = false): Buffer | null {
    const start = this.offsetIndex.lookup(target).position;
    const end = this.size;
    if (start >= end) return null;
    const chunkLen = Math.min(end - start, Math.max(maxBytes, 0) + indexIntervalBytes + 2 * RECORD_BATCH_OVERHEAD);
    let bufStart = start;
    let buf = this.readAt(bufStart, chunkLen, lend);
    let p = 0;
    // Find the batch whose last offset reaches target.
    for (;;) {
      if (bufStart + p >= end) return this.discard(buf, null);
      if (p + RECORD_BATCH_OVERHEAD > buf.length) {
        bufStart += p;
        this.discard(buf, null);
        buf = this.readAt(bufStart, Math.min(end - bufStart, chunkLen), lend);
        p = 0;
        if (buf.length < RECORD_BATCH_OVERHEAD) return this.discard(buf, null);
        continue;
      }
      const last = readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA_OFFSET);
      if (last >= target) break;
      const skip = buf.readInt32BE(p + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      if (skip < RECORD_BATCH_OVERHEAD) throw new Error(`corrupt batch length in ${this.logPath} at ${bufStart + p}`);
      p += skip;
    }
    let q = p;
    let total = 0;
    while (bufStart + q < end && q + LOG_OVERHEAD <= buf.length) {
      const size = buf.readInt32BE(q + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      if (size < RECORD_BATCH_OVERHEAD) throw new Error(`corrupt batch length in ${this.logPath} at ${bufStart + q}`);
      const first = total === 0;
      if (total + size > maxBytes && !(first && minOneBatch)) break;
      if (q + size > buf.length) {
        // KIP-74: the first batch goes out whole even when larger than the chunk.
        if (first) return this.discard(buf, this.readAt(bufStart + q, size, lend));
        break;
      }
      total += size;
      q += size;
    }
    // No view of a buffer handed back may leave: an empty view could recycle it again later.
    if (total === 0) return this.discard(buf, Buffer.alloc(0));
    return buf.subarray(p, p + total);
  }

  /** Hands a read that is not returned back to the pool (a no-op unless it was lent), then answers `result`. */
  private discard<T>(buf: Buffer, result: T): T {
    releaseReadBuffer(buf);
    return result;
  }

  /** Seals the indexes (final time index entry, Kafka's onBecomeInactiveSegment) and writes both files. */
  writeIndexes(final: boolean): void {
    if (final) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    fs.writeFileSync(this.indexPath, this.offsetIndex.toBuffer());
    fs.writeFileSync(this.timeIndexPath, this.timeIndex.toBuffer());
  }

  /** Newest timestamp for retention.ms: the largest record timestamp, else the file's last modification. */
  largestTimestamp(): number {
    return this.maxTimestamp > 0 ? this.maxTimestamp : this.lastModified;
  }

  closeFd(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /** Renames the segment's files to `*.deleted`; returns the new paths for later removal. */
  renameForDelete(): string[] {
    const out: string[] = [];
    for (const p of [this.logPath, this.indexPath, this.timeIndexPath]) {
      const target = `${p}.deleted`;
      try {
        fs.renameSync(p, target);
        out.push(target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return out;
  }
}
