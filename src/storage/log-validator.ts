// The record-level half of produce validation (Kafka's LogValidator), the one
// place the produce path looks inside batches, and only when it must:
// - a compressed batch is decompressed (bounded) and its records walked, so a
//   corrupt payload, a wrong record count or a compression bomb is refused;
// - a compacted topic needs a key on every record;
// - a topic whose compression.type is not `producer` stores its own codec:
//   batches in another codec are recompressed (Kafka's "no in-place
//   assignment" case), keeping the producer fields and record timestamps.
// An uncompressed batch on a plain topic passes untouched: headers and CRC
// were checked already, and records stay bytes.
import { ErrorCode } from '../protocol/generated/errors.js';
import {
  ATTRIBUTES_OFFSET, BATCH_LENGTH_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CRC_OFFSET, CompressionCodec,
  LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD, RecordDecodeError, TIMESTAMP_TYPE_MASK,
  assembleBatch, batchFieldsOf, computeBatchCrc, encodeRecordsBody, rawRecords, readBatchHeader, writeInt64,
  type RecordToEncode,
} from '../protocol/records/batch.js';
import { CompressionError, compress, compressionName, decompress, type CompressionLevels } from '../protocol/records/compression.js';

export interface RecordError {
  batchIndex: number;
  message: string | null;
}

export interface RecordValidationOptions {
  /** cleanup.policy includes compact: every record needs a key. */
  compacted: boolean;
  /** Codec the topic stores (compression.type), or null for `producer`. */
  targetCodec: number | null;
  levels: CompressionLevels;
  /** max.message.bytes, checked again after recompression. */
  maxMessageBytes: number;
  /** Most bytes one batch may decompress to. */
  decompressionLimit: number;
  /** `topic-partition`, for messages. */
  partition: string;
}

export type RecordValidation =
  | { ok: true; records: Buffer }
  | { ok: false; errorCode: ErrorCode; message: string; recordErrors: RecordError[] };

function reject(errorCode: ErrorCode, message: string, recordErrors: RecordError[] = []): RecordValidation {
  return { ok: false, errorCode, message, recordErrors };
}

/** Kafka's summary of per-record errors (ProduceResponse error_message). */
function recordErrorsMessage(errors: RecordError[]): string {
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.message ?? ''}')`);
  return `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`;
}

/**
 * Validates (and when needed rebuilds) the batches of an already
 * header-validated record set. Returns the bytes to append: `records` itself
 * unless a batch was recompressed.
 */
export function validateRecords(records: Buffer, opts: RecordValidationOptions): RecordValidation {
  let out: Buffer[] | null = null;
  let pos = 0;
  while (pos < records.length) {
    const size = records.readInt32BE(pos + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    const batch = records.subarray(pos, pos + size);
    const result = validateBatch(batch, opts);
    if (!result.ok) return result;
    if (result.records !== batch && out === null) out = pos === 0 ? [] : [records.subarray(0, pos)];
    out?.push(result.records);
    pos += size;
  }
  return { ok: true, records: out === null ? records : Buffer.concat(out) };
}

function validateBatch(batch: Buffer, opts: RecordValidationOptions): RecordValidation {
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  // Control batches come only from the broker itself and are stored as written.
  if ((attributes & CONTROL_FLAG_MASK) !== 0) return { ok: true, records: batch };
  const codec = attributes & COMPRESSION_CODEC_MASK;
  const target = opts.targetCodec ?? codec;
  if (codec === CompressionCodec.None && target === CompressionCodec.None && !opts.compacted) return { ok: true, records: batch };

  const header = readBatchHeader(batch, 0);
  let body: Buffer;
  try {
    body = decompress(codec, batch.subarray(RECORD_BATCH_OVERHEAD), opts.decompressionLimit);
  } catch (e) {
    if (!(e instanceof CompressionError)) throw e;
    // Deliberate: Kafka 4.1 answers UNKNOWN_SERVER_ERROR here (an uncaught decompression
    // exception); INVALID_RECORD says what is wrong and is not retried by clients either.
    return reject(
      e.reason === 'unsupported' ? ErrorCode.UNSUPPORTED_COMPRESSION_TYPE : ErrorCode.INVALID_RECORD,
      `Failed to decompress the ${compressionName(codec)} records of a batch in ${opts.partition}: ${e.message}`,
    );
  }

  const logAppendTime = (attributes & TIMESTAMP_TYPE_MASK) !== 0;
  const recordErrors: RecordError[] = [];
  const kept: RecordToEncode[] = [];
  let sequentialDeltas = true;
  let maxTimestamp = -1;
  try {
    let index = 0;
    for (const r of rawRecords(body, header.recordCount)) {
      if (opts.compacted && r.key === null) {
        recordErrors.push({ batchIndex: index, message: `Compacted topic cannot accept message without key in topic partition ${opts.partition}` });
      }
      if (r.offsetDelta !== index) sequentialDeltas = false;
      const ts = header.baseTimestamp + r.timestampDelta;
      if (ts > maxTimestamp) maxTimestamp = ts;
      kept.push(r);
      index++;
    }
  } catch (e) {
    if (!(e instanceof RecordDecodeError)) throw e;
    return reject(ErrorCode.INVALID_RECORD, `Invalid records in a ${compressionName(codec)} batch in ${opts.partition}: ${e.message}`);
  }
  if (recordErrors.length > 0) return reject(ErrorCode.INVALID_RECORD, recordErrorsMessage(recordErrors), recordErrors);

  // Kafka rewrites a compressed batch whose inner offsets are not 0..n-1 (old clients); uncompressed ones keep theirs.
  const fixDeltas = !sequentialDeltas && codec !== CompressionCodec.None;
  if (target === codec && !fixDeltas) {
    // Kafka sets a CreateTime batch's max timestamp from its records; fix it when the producer got it wrong.
    if (!logAppendTime && codec !== CompressionCodec.None && maxTimestamp !== header.maxTimestamp) {
      writeInt64(batch, MAX_TIMESTAMP_OFFSET, maxTimestamp);
      batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_OFFSET);
    }
    return { ok: true, records: batch };
  }

  const plain = fixDeltas
    ? encodeRecordsBody(kept.map((r, i) => ({ attributes: r.attributes, timestampDelta: r.timestampDelta, offsetDelta: i, tail: r.tail })))
    : body;
  const fields = batchFieldsOf(header);
  fields.attributes = (attributes & ~COMPRESSION_CODEC_MASK) | target;
  if (fixDeltas) fields.lastOffsetDelta = kept.length - 1;
  if (!logAppendTime) fields.maxTimestamp = maxTimestamp;
  const rebuilt = assembleBatch(fields, compress(target, plain, opts.levels));
  if (rebuilt.length > opts.maxMessageBytes) {
    return reject(
      ErrorCode.MESSAGE_TOO_LARGE,
      `Message batch size is ${rebuilt.length} bytes in append to partition ${opts.partition} which exceeds the maximum configured size of ${opts.maxMessageBytes}.`,
    );
  }
  return { ok: true, records: rebuilt };
}
