// Record batch v2 (magic 2): the header layout, the produce-path validation of
// a record set (batch headers and CRC32C only, never the records), in-place
// offset assignment, and a small record decoder for the few places that must
// look inside an uncompressed batch.
//
// Kafka 4 no longer accepts message format v0/v1 (KIP-724): a produce whose
// batch has magic 0 or 1 is answered INVALID_RECORD, which is what
// validateRecordSet returns for any magic other than 2.
import { crc32c } from './crc32c.js';
import { ErrorCode } from '../generated/errors.js';

// Header field offsets, relative to the start of a batch.
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
/** Size of the v2 batch header; records start here. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
/** Bytes needed to read the magic byte (Kafka's HEADER_SIZE_UP_TO_MAGIC). */
export const HEADER_SIZE_UP_TO_MAGIC = 17;
export const CURRENT_MAGIC = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

export const CompressionCodec = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;

export const NO_TIMESTAMP = -1;
export const NO_PRODUCER_ID = -1;
export const NO_SEQUENCE = -1;


export { readInt64, writeInt64 } from '../int64.js';
import { readInt64, writeInt64 } from '../int64.js';

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/**
 * Reads the 61-byte header of the batch at `pos`. Throws a RangeError if the
 * header does not fit in `buf`; does not check the magic or the CRC.
 */
export function readBatchHeader(buf: Buffer, pos: number): BatchHeader {
  if (pos < 0 || pos + RECORD_BATCH_OVERHEAD > buf.length) {
    throw new RangeError(`record batch header at ${pos} does not fit in ${buf.length} bytes`);
  }
  return {
    baseOffset: readInt64(buf, pos),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(pos + MAGIC_OFFSET),
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT_OFFSET),
  };
}

/** Total size of the batch at `pos` (batchLength + 12). Caller ensures 12 bytes are there. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
}

export function setBaseOffset(buf: Buffer, pos: number, offset: number): void {
  writeInt64(buf, pos + BASE_OFFSET_OFFSET, offset);
}

/** Outside the CRC, like baseOffset: no checksum update needed. */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}

/** CRC32C over attributes..end of the batch at `pos`, of total size `size`. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + size));
}

/**
 * message.timestamp.type=LogAppendTime: like Kafka, set the timestamp type
 * bit and maxTimestamp to the broker's time (baseTimestamp and the record
 * deltas stay as sent; readers use maxTimestamp for every record of such a
 * batch), then recompute the CRC because both fields are covered by it.
 */
export function setMaxTimestampAndLogAppendTime(buf: Buffer, pos: number, logAppendTime: number): void {
  const size = batchSizeAt(buf, pos);
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
  buf.writeInt16BE(attributes | TIMESTAMP_TYPE_MASK, pos + ATTRIBUTES_OFFSET);
  writeInt64(buf, pos + MAX_TIMESTAMP_OFFSET, logAppendTime);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + CRC_OFFSET);
}

export interface ValidateOptions {
  /** max.message.bytes: the largest batch accepted (MESSAGE_TOO_LARGE above it). */
  maxMessageBytes: number;
  /** Broker time, for the timestamp bounds. */
  now: number;
  /**
   * 'client' (default) applies Kafka's produce rules: exactly one batch per
   * partition (ProduceRequest v3+), baseOffset 0, no control batches, a
   * sequence when a producer id is set. 'internal' (coordinators, mirroring,
   * tests) accepts several batches and control batches.
   */
  origin?: 'client' | 'internal';
  /** segment.bytes: a record set larger than a segment is RECORD_LIST_TOO_LARGE, as in Kafka. */
  segmentBytes?: number;
  /** message.timestamp.type; bounds are only checked for CreateTime. */
  timestampType?: 'CreateTime' | 'LogAppendTime';
  /** message.timestamp.before.max.ms (checked against each batch's base and max timestamp). */
  timestampBeforeMaxMs?: number;
  /** message.timestamp.after.max.ms (checked against each batch's base and max timestamp). */
  timestampAfterMaxMs?: number;
}

export interface ValidRecordSet {
  ok: true;
  batchCount: number;
  /** Sum of the batches' recordCount. */
  recordCount: number;
  /** Offsets the set occupies once appended: sum of (lastOffsetDelta + 1). */
  offsetCount: number;
  /** The first batch's baseTimestamp (the first record's timestamp as the producer set it). */
  firstTimestamp: number;
  /** The largest batch maxTimestamp (-1 if none has a timestamp). */
  maxTimestamp: number;
  /**
   * Offset, relative to the first offset of the set, of the last record of the
   * batch holding maxTimestamp: batch granularity, since records are not decoded.
   */
  shallowOffsetOfMaxTimestampDelta: number;
  /** Producer fields of the first batch (a client set has one batch). */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** lastOffsetDelta of the first batch: the last sequence is baseSequence + this. */
  lastOffsetDelta: number;
  isTransactional: boolean;
  isControl: boolean;
  /** Compression codec of the first batch (attributes bits 0-2). */
  compression: number;
  sizeInBytes: number;
}

export interface InvalidRecordSet {
  ok: false;
  errorCode: number;
  message: string;
}

export type RecordSetValidation = ValidRecordSet | InvalidRecordSet;

function invalid(errorCode: number, message: string): InvalidRecordSet {
  return { ok: false, errorCode, message };
}

/**
 * Walks the batches of a produce record set, checking headers and CRC32C
 * without decoding any record and without copying. The rules follow Apache
 * Kafka 4 (ProduceRequest.validateRecords, UnifiedLog.analyzeAndValidateRecords,
 * LogValidator.validateBatch). Per-record checks Kafka also makes (offset
 * deltas contiguous, per-record timestamps) are not done here: timestamp
 * bounds are checked on each batch's base and max timestamp instead.
 */
export function validateRecordSet(records: Buffer, opts: ValidateOptions): RecordSetValidation {
  const fromClient = (opts.origin ?? 'client') === 'client';
  const total = records.length;
  if (total === 0) return invalid(ErrorCode.INVALID_RECORD, 'record set has no batches at all');
  if (opts.segmentBytes !== undefined && total > opts.segmentBytes) {
    return invalid(
      ErrorCode.RECORD_LIST_TOO_LARGE,
      `record set of ${total} bytes exceeds the maximum configured segment size of ${opts.segmentBytes}`,
    );
  }
  const checkTimestamps =
    (opts.timestampType ?? 'CreateTime') === 'CreateTime' &&
    (opts.timestampBeforeMaxMs !== undefined || opts.timestampAfterMaxMs !== undefined);
  const beforeMax = opts.timestampBeforeMaxMs ?? Number.MAX_SAFE_INTEGER;
  const afterMax = opts.timestampAfterMaxMs ?? Number.MAX_SAFE_INTEGER;

  let pos = 0;
  let batchCount = 0;
  let recordCount = 0;
  let offsetCount = 0;
  let maxTimestamp = NO_TIMESTAMP;
  let shallowOffsetOfMaxTimestampDelta = 0;
  let first: BatchHeader | undefined;

  while (pos < total) {
    const remaining = total - pos;
    if (remaining < HEADER_SIZE_UP_TO_MAGIC) {
      return invalid(ErrorCode.CORRUPT_MESSAGE, `truncated record batch: ${remaining} trailing bytes at position ${pos}`);
    }
    const batchLength = records.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    const magic = records.readInt8(pos + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) {
      if (magic === 0 || magic === 1) {
        return invalid(ErrorCode.INVALID_RECORD, `record batches with magic ${magic} are not accepted; only magic 2 is supported`);
      }
      return invalid(ErrorCode.CORRUPT_MESSAGE, `invalid magic ${magic} in record batch at position ${pos}`);
    }
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
      return invalid(ErrorCode.CORRUPT_MESSAGE, `record batch length ${batchLength} at position ${pos} is smaller than the header`);
    }
    const size = batchLength + LOG_OVERHEAD;
    if (size > remaining) {
      return invalid(ErrorCode.CORRUPT_MESSAGE, `truncated record batch at position ${pos}: length ${size}, ${remaining} bytes left`);
    }
    if (batchCount === 1 && fromClient) {
      return invalid(ErrorCode.INVALID_RECORD, 'produce requests may only contain exactly one record batch per partition');
    }
    const header = readBatchHeader(records, pos);
    if (fromClient && header.baseOffset !== 0) {
      return invalid(ErrorCode.INVALID_RECORD, `the baseOffset of the record batch should be 0, but it is ${header.baseOffset}`);
    }
    if (size > opts.maxMessageBytes) {
      return invalid(
        ErrorCode.MESSAGE_TOO_LARGE,
        `record batch of ${size} bytes exceeds max.message.bytes ${opts.maxMessageBytes}`,
      );
    }
    const crc = computeBatchCrc(records, pos, size);
    if (crc !== header.crc) {
      return invalid(
        ErrorCode.CORRUPT_MESSAGE,
        `record batch at position ${pos} is corrupt (stored crc = ${header.crc}, computed crc = ${crc})`,
      );
    }
    if (header.recordCount <= 0) {
      return invalid(ErrorCode.INVALID_RECORD, `invalid reported count for record batch: ${header.recordCount}`);
    }
    if (header.lastOffsetDelta < 0) {
      return invalid(ErrorCode.INVALID_RECORD, `batch has an invalid offset range: lastOffsetDelta ${header.lastOffsetDelta}`);
    }
    if (fromClient && header.lastOffsetDelta + 1 !== header.recordCount) {
      return invalid(
        ErrorCode.INVALID_RECORD,
        `inconsistent batch offset range [0, ${header.lastOffsetDelta}] and count of records ${header.recordCount}`,
      );
    }
    if (!fromClient && header.lastOffsetDelta + 1 < header.recordCount) {
      return invalid(ErrorCode.INVALID_RECORD, `batch claims ${header.recordCount} records in ${header.lastOffsetDelta + 1} offsets`);
    }
    const codec = header.attributes & COMPRESSION_CODEC_MASK;
    // An uncompressed record takes at least 7 bytes; a larger claim cannot be honest. (Compressed
    // records can take less: their count is checked when the batch is decompressed.)
    if (codec === CompressionCodec.None && header.recordCount > (size - RECORD_BATCH_OVERHEAD) / 7) {
      return invalid(ErrorCode.CORRUPT_MESSAGE, `record count ${header.recordCount} does not fit in a batch of ${size} bytes`);
    }
    if (codec > CompressionCodec.Zstd) {
      return invalid(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression type id ${codec}`);
    }
    const isControl = (header.attributes & CONTROL_FLAG_MASK) !== 0;
    if (fromClient && isControl) {
      return invalid(ErrorCode.INVALID_RECORD, 'clients are not allowed to write control records');
    }
    // Kafka checks this for clients only: transaction markers carry a producer id and no sequence.
    if (fromClient && header.producerId >= 0 && header.baseSequence < 0) {
      return invalid(ErrorCode.INVALID_RECORD, `invalid sequence number ${header.baseSequence} in record batch with producerId ${header.producerId}`);
    }
    if (checkTimestamps) {
      for (const ts of [header.baseTimestamp, header.maxTimestamp]) {
        if (ts === NO_TIMESTAMP) continue;
        if (opts.now - ts > beforeMax || ts - opts.now > afterMax) {
          return invalid(
            ErrorCode.INVALID_TIMESTAMP,
            `timestamp ${ts} of a record batch is out of range (now ${opts.now}, before.max.ms ${beforeMax}, after.max.ms ${afterMax})`,
          );
        }
      }
    }
    if (header.maxTimestamp > maxTimestamp) {
      maxTimestamp = header.maxTimestamp;
      shallowOffsetOfMaxTimestampDelta = offsetCount + header.lastOffsetDelta;
    }
    first ??= header;
    batchCount++;
    recordCount += header.recordCount;
    offsetCount += header.lastOffsetDelta + 1;
    pos += size;
  }
  const f = first as BatchHeader;
  return {
    ok: true,
    batchCount,
    recordCount,
    offsetCount,
    firstTimestamp: f.baseTimestamp,
    maxTimestamp,
    shallowOffsetOfMaxTimestampDelta,
    producerId: f.producerId,
    producerEpoch: f.producerEpoch,
    baseSequence: f.baseSequence,
    lastOffsetDelta: f.lastOffsetDelta,
    isTransactional: (f.attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
    isControl: (f.attributes & CONTROL_FLAG_MASK) !== 0,
    compression: f.attributes & COMPRESSION_CODEC_MASK,
    sizeInBytes: total,
  };
}

// ---------------------------------------------------------------------------
// Record decoding (uncompressed batches only; callers decompress first).

/** Thrown for malformed records: a RangeError with a message saying what and where. */
export class RecordDecodeError extends RangeError {
  override name = 'RecordDecodeError';
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  /** Effective timestamp: batch maxTimestamp for LogAppendTime batches. */
  timestamp: number;
  attributes: number;
  offsetDelta: number;
  timestampDelta: number;
  /** Views into the batch buffer (no copies). */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

class Cursor {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  fail(what: string): never {
    throw new RecordDecodeError(`malformed record: ${what} at byte ${this.pos}`);
  }

  int8(): number {
    if (this.pos + 1 > this.end) this.fail('truncated int8');
    return this.buf.readInt8(this.pos++);
  }

  /** Zigzag varint, at most 5 bytes (int32). */
  varint(): number {
    let raw = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++] as number;
      raw += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (raw > 0xffffffff) this.fail('varint overflows int32');
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      }
      shift += 7;
    }
    return this.fail('varint longer than 5 bytes');
  }

  /** Zigzag varlong, at most 10 bytes; exact while |value| < 2^53. */
  varlong(): number {
    let raw = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varlong');
      const b = this.buf[this.pos++] as number;
      raw += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      shift += 7;
    }
    return this.fail('varlong longer than 10 bytes');
  }

  bytes(what: string): Buffer | null {
    const len = this.varint();
    if (len === -1) return null;
    if (len < 0) this.fail(`negative ${what} length ${len}`);
    if (this.pos + len > this.end) this.fail(`${what} length ${len} exceeds the record`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

/**
 * Decodes `count` records from an uncompressed records body (the bytes after
 * the 61-byte header, or the output of decompression). Throws RecordDecodeError.
 */
export function* decodeRecordsBody(
  body: Buffer,
  count: number,
  baseOffset: number,
  baseTimestamp: number,
  logAppendTime: number | null = null,
): Generator<DecodedRecord> {
  const cur = new Cursor(body, 0, body.length);
  for (let i = 0; i < count; i++) {
    const headers: RecordHeader[] = [];
    const r = readRecord(cur, i, (k, v) => headers.push({ key: k.toString('utf8'), value: v }));
    yield {
      offset: baseOffset + r.offsetDelta,
      timestamp: logAppendTime ?? baseTimestamp + r.timestampDelta,
      attributes: r.attributes,
      offsetDelta: r.offsetDelta,
      timestampDelta: r.timestampDelta,
      key: r.key,
      value: r.value,
      headers,
    };
  }
}

/** One record's fields, read by readRecord; key and value are views into the body. */
interface RecordFields {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Where the key's length starts: key, value and headers run from here to `end`. */
  tailStart: number;
  end: number;
}

/**
 * Reads record `i` at the cursor (its length varint first), checking every
 * length against the record and the record against the body, and moves the
 * cursor past it. Headers go to `onHeader` (skipped, still checked, without it).
 */
function readRecord(cur: Cursor, i: number, onHeader?: (key: Buffer, value: Buffer | null) => void): RecordFields {
  const length = cur.varint();
  if (length < 0 || cur.pos + length > cur.end) {
    cur.fail(`record ${i} length ${length} exceeds the ${cur.end - cur.pos} remaining bytes`);
  }
  const rec = new Cursor(cur.buf, cur.pos, cur.pos + length);
  const attributes = rec.int8();
  const timestampDelta = rec.varlong();
  const offsetDelta = rec.varint();
  const tailStart = rec.pos;
  const key = rec.bytes('key');
  const value = rec.bytes('value');
  const headerCount = rec.varint();
  if (headerCount < 0) rec.fail(`negative header count ${headerCount}`);
  // Each header takes at least 2 bytes: bounds the loop without trusting the count.
  if (headerCount * 2 > rec.end - rec.pos) rec.fail(`header count ${headerCount} exceeds the record`);
  for (let h = 0; h < headerCount; h++) {
    const k = rec.bytes('header key') ?? rec.fail('null header key');
    const v = rec.bytes('header value');
    onHeader?.(k, v);
  }
  if (rec.pos !== rec.end) rec.fail(`record ${i} has ${rec.end - rec.pos} unexpected trailing bytes`);
  cur.pos = rec.end;
  return { attributes, timestampDelta, offsetDelta, key, value, tailStart, end: rec.end };
}

/**
 * Iterates the records of one uncompressed v2 batch (`batchBuf` starts at the
 * batch). Throws RecordDecodeError on a malformed or compressed batch.
 */
export function decodeRecords(batchBuf: Buffer): Generator<DecodedRecord> {
  if (batchBuf.length < RECORD_BATCH_OVERHEAD) {
    throw new RecordDecodeError(`record batch of ${batchBuf.length} bytes is shorter than its header`);
  }
  const h = readBatchHeader(batchBuf, 0);
  if (h.magic !== CURRENT_MAGIC) throw new RecordDecodeError(`cannot decode records of magic ${h.magic}`);
  const size = h.batchLength + LOG_OVERHEAD;
  if (h.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || size > batchBuf.length) {
    throw new RecordDecodeError(`record batch length ${h.batchLength} does not fit in ${batchBuf.length} bytes`);
  }
  if ((h.attributes & COMPRESSION_CODEC_MASK) !== CompressionCodec.None) {
    throw new RecordDecodeError('cannot decode a compressed batch; decompress it and use decodeRecordsBody');
  }
  if (h.recordCount < 0) throw new RecordDecodeError(`negative record count ${h.recordCount}`);
  const logAppendTime = (h.attributes & TIMESTAMP_TYPE_MASK) !== 0 ? h.maxTimestamp : null;
  return decodeRecordsBody(batchBuf.subarray(RECORD_BATCH_OVERHEAD, size), h.recordCount, h.baseOffset, h.baseTimestamp, logAppendTime);
}

// ---------------------------------------------------------------------------
// Raw records: what compaction and recompression need. A record's key, value
// and headers are kept as the bytes they were ("tail"), so re-encoding a record
// with new deltas is lossless (header keys are never round-tripped through UTF-8).

export interface RawRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** A view into the body; null for a record without a key. */
  key: Buffer | null;
  /** The value is null: a tombstone in a compacted topic. */
  nullValue: boolean;
  /** Key, value and headers exactly as stored (a view into the body). */
  tail: Buffer;
}

/**
 * Walks exactly `count` records of an uncompressed records body, checking
 * every length (headers included) without decoding them. Throws
 * RecordDecodeError on malformed records, too few records, or bytes left
 * after the last one (the declared count is wrong), as Kafka's record
 * iterator does.
 */
export function* rawRecords(body: Buffer, count: number): Generator<RawRecord> {
  const cur = new Cursor(body, 0, body.length);
  for (let i = 0; i < count; i++) {
    const r = readRecord(cur, i);
    yield {
      attributes: r.attributes, timestampDelta: r.timestampDelta, offsetDelta: r.offsetDelta,
      key: r.key, nullValue: r.value === null, tail: body.subarray(r.tailStart, r.end),
    };
  }
  if (cur.pos !== body.length) {
    throw new RecordDecodeError(`malformed record batch: ${body.length - cur.pos} bytes remain after the declared ${count} records`);
  }
}

function zigzag64(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function varintLength(v: number): number {
  let raw = zigzag64(v);
  let n = 1;
  while (raw >= 0x80) {
    raw = Math.floor(raw / 0x80);
    n++;
  }
  return n;
}

function putVarint(buf: Buffer, pos: number, v: number): number {
  let raw = zigzag64(v);
  while (raw >= 0x80) {
    buf[pos++] = (raw % 0x80) | 0x80;
    raw = Math.floor(raw / 0x80);
  }
  buf[pos++] = raw;
  return pos;
}

export interface RecordToEncode {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** Key, value and headers as encoded (RawRecord.tail). */
  tail: Buffer;
}

/** Encodes records (length-prefixed, v2) into one uncompressed records body. */
export function encodeRecordsBody(records: readonly RecordToEncode[]): Buffer {
  let total = 0;
  const sizes: number[] = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RecordToEncode;
    const size = 1 + varintLength(r.timestampDelta) + varintLength(r.offsetDelta) + r.tail.length;
    sizes[i] = size;
    total += varintLength(size) + size;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RecordToEncode;
    pos = putVarint(out, pos, sizes[i] as number);
    out.writeInt8(r.attributes, pos++);
    pos = putVarint(out, pos, r.timestampDelta);
    pos = putVarint(out, pos, r.offsetDelta);
    r.tail.copy(out, pos);
    pos += r.tail.length;
  }
  return out;
}

/** The header fields of a batch to assemble (the CRC and length are computed). */
export interface BatchFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  /** Including the compression codec bits, which must match how `payload` was encoded. */
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** A header's fields as BatchFields, for rebuilding the batch. */
export function batchFieldsOf(h: BatchHeader): BatchFields {
  return {
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    attributes: h.attributes,
    lastOffsetDelta: h.lastOffsetDelta,
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    recordCount: h.recordCount,
  };
}

/** One v2 batch: header, `payload` (the records body, compressed or not) and its CRC32C. */
export function assembleBatch(f: BatchFields, payload: Buffer): Buffer {
  const size = RECORD_BATCH_OVERHEAD + payload.length;
  const buf = Buffer.allocUnsafe(size);
  writeInt64(buf, BASE_OFFSET_OFFSET, f.baseOffset);
  buf.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  buf.writeInt32BE(f.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  buf.writeInt16BE(f.attributes, ATTRIBUTES_OFFSET);
  buf.writeInt32BE(f.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, f.baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_OFFSET, f.maxTimestamp);
  writeInt64(buf, PRODUCER_ID_OFFSET, f.producerId);
  buf.writeInt16BE(f.producerEpoch, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(f.baseSequence, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(f.recordCount, RECORD_COUNT_OFFSET);
  payload.copy(buf, RECORD_BATCH_OVERHEAD);
  buf.writeUInt32BE(computeBatchCrc(buf, 0, size), CRC_OFFSET);
  return buf;
}

/** Sequence arithmetic of idempotent producers: sequences wrap from Int32.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1;
  return sequence + increment;
}

export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return 0x7fffffff - (decrement - sequence) + 1;
  return sequence - decrement;
}
