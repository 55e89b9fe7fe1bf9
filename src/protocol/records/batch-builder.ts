// Builds record batches v2 (magic 2) from keys and values: the uncompressed
// batch the broker writes itself (the group coordinator's records in
// __consumer_offsets), and the batch a producer sends (own timestamps,
// producer id and sequence, compression). The layout is the one
// readBatchHeader and decodeRecords read back; the CRC32C covers attributes to the end.

import { crc32c } from './crc32c.js';
import {
  ATTRIBUTES_OFFSET, BASE_SEQUENCE_OFFSET, CONTROL_FLAG_MASK, TRANSACTIONAL_FLAG_MASK, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, CRC_OFFSET, CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAX_TIMESTAMP_OFFSET, NO_PRODUCER_ID, NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, RECORD_COUNT_OFFSET,
  COMPRESSION_CODEC_MASK, assembleBatch, encodeRecordsBody, writeInt64, type RecordToEncode,
} from './batch.js';
import { compress } from './compression.js';

export interface RecordInput {
  key: Buffer | null;
  /** Null is a tombstone (compacted topics drop the key's earlier records). */
  value: Buffer | null;
  headers?: { key: string; value: Buffer | null }[];
}

/** Zigzag varint size and writer, for the record fields (int32 and int53-safe values). */
function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function varintSize(v: number): number {
  let raw = zigzag(v);
  let n = 1;
  while (raw >= 0x80) {
    raw = Math.floor(raw / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  let raw = zigzag(v);
  while (raw >= 0x80) {
    buf[pos++] = (raw % 0x80) | 0x80;
    raw = Math.floor(raw / 0x80);
  }
  buf[pos++] = raw;
  return pos;
}

function bytesFieldSize(b: Buffer | null): number {
  return b === null ? varintSize(-1) : varintSize(b.length) + b.length;
}

function writeBytesField(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, b.length);
  b.copy(buf, pos);
  return pos + b.length;
}

/** The producer a coordinator writes for: transactional offset commits and transaction markers. */
export interface BatchProducer {
  producerId: number;
  producerEpoch: number;
  transactional: boolean;
  /** Control batch (transaction markers). */
  control?: boolean;
}

/**
 * One batch holding `records` in order, every record stamped with `timestamp`
 * (CreateTime), base offset 0 (the log assigns offsets), no producer unless
 * one is given, and no sequence: coordinator writes are not deduplicated.
 */
export function buildRecordBatch(records: readonly RecordInput[], timestamp: number, producer: BatchProducer | null = null): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const headerKeys = records.map((r) => (r.headers ?? []).map((h) => Buffer.from(h.key, 'utf8')));
  const bodies: number[] = [];
  let total = RECORD_BATCH_OVERHEAD;
  records.forEach((r, i) => {
    let size = 1 + varintSize(0) + varintSize(i) + bytesFieldSize(r.key) + bytesFieldSize(r.value);
    const headers = r.headers ?? [];
    size += varintSize(headers.length);
    headers.forEach((h, j) => { size += bytesFieldSize(headerKeys[i]![j]!) + bytesFieldSize(h.value); });
    bodies.push(size);
    total += varintSize(size) + size;
  });

  const buf = Buffer.alloc(total);
  writeInt64(buf, 0, 0);
  buf.writeInt32BE(total - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  buf.writeInt32BE(-1, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  const attributes = (producer?.transactional === true ? TRANSACTIONAL_FLAG_MASK : 0) | (producer?.control === true ? CONTROL_FLAG_MASK : 0);
  buf.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  buf.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, timestamp);
  writeInt64(buf, MAX_TIMESTAMP_OFFSET, timestamp);
  writeInt64(buf, PRODUCER_ID_OFFSET, producer?.producerId ?? NO_PRODUCER_ID);
  buf.writeInt16BE(producer?.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(records.length, RECORD_COUNT_OFFSET);

  let pos = RECORD_BATCH_OVERHEAD;
  records.forEach((r, i) => {
    pos = writeVarint(buf, pos, bodies[i]!);
    buf[pos++] = 0; // record attributes (unused)
    pos = writeVarint(buf, pos, 0); // timestamp delta
    pos = writeVarint(buf, pos, i); // offset delta
    pos = writeBytesField(buf, pos, r.key);
    pos = writeBytesField(buf, pos, r.value);
    const headers = r.headers ?? [];
    pos = writeVarint(buf, pos, headers.length);
    headers.forEach((h, j) => {
      pos = writeBytesField(buf, pos, headerKeys[i]![j]!);
      pos = writeBytesField(buf, pos, h.value);
    });
  });
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return buf;
}

/** A record as a producer hands it over: its own timestamp (CreateTime) and headers. */
export interface ProducerRecordInput extends RecordInput {
  timestamp: number;
}

export interface ProducerBatchOptions {
  /** Compression codec id (CompressionCodec); the records body is compressed with it. */
  codec: number;
  /** -1 (NO_PRODUCER_ID) for a producer that is not idempotent. */
  producerId: number;
  producerEpoch: number;
  /** Sequence of the first record; -1 (NO_SEQUENCE) without a producer id. */
  baseSequence: number;
  transactional?: boolean;
}

/** Key, value and headers of one record as they are encoded (RecordToEncode.tail). */
function encodeRecordTail(r: RecordInput): Buffer {
  const headers = r.headers ?? [];
  const keys = headers.map((h) => Buffer.from(h.key, 'utf8'));
  let size = bytesFieldSize(r.key) + bytesFieldSize(r.value) + varintSize(headers.length);
  headers.forEach((h, j) => { size += bytesFieldSize(keys[j]!) + bytesFieldSize(h.value); });
  const buf = Buffer.allocUnsafe(size);
  let pos = writeBytesField(buf, 0, r.key);
  pos = writeBytesField(buf, pos, r.value);
  pos = writeVarint(buf, pos, headers.length);
  headers.forEach((h, j) => {
    pos = writeBytesField(buf, pos, keys[j]!);
    pos = writeBytesField(buf, pos, h.value);
  });
  return buf;
}

/**
 * The one batch a producer sends for one partition: records keep their own
 * timestamps (as deltas from the first one), base offset 0 (the log assigns
 * offsets), and the producer id, epoch and base sequence of an idempotent
 * producer. The records body is compressed with `opts.codec`.
 */
export function buildProducerBatch(records: readonly ProducerRecordInput[], opts: ProducerBatchOptions): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const baseTimestamp = records[0]!.timestamp;
  let maxTimestamp = baseTimestamp;
  const encoded: RecordToEncode[] = records.map((r, i) => {
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    return { attributes: 0, timestampDelta: r.timestamp - baseTimestamp, offsetDelta: i, tail: encodeRecordTail(r) };
  });
  const payload = compress(opts.codec, encodeRecordsBody(encoded));
  let attributes = opts.codec & COMPRESSION_CODEC_MASK;
  if (opts.transactional === true) attributes |= TRANSACTIONAL_FLAG_MASK;
  return assembleBatch({
    baseOffset: 0,
    partitionLeaderEpoch: -1,
    attributes,
    lastOffsetDelta: records.length - 1,
    baseTimestamp,
    maxTimestamp,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: opts.baseSequence,
    recordCount: records.length,
  }, payload);
}
