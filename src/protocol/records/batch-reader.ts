// Reads the record batches of a fetched record set, records included: what a
// consumer does with Fetch bytes. Unlike the broker's produce path, this
// decompresses and decodes every record. A fetch response may end in a
// partial batch (the broker cuts at max bytes); it is left out, as Kafka's
// clients do, and the caller fetches it again from its base offset.
import {
  BATCH_LENGTH_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CURRENT_MAGIC, LOG_OVERHEAD, MAGIC_OFFSET,
  RECORD_BATCH_OVERHEAD, RecordDecodeError, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK,
  computeBatchCrc, decodeRecordsBody, readBatchHeader, type BatchHeader, type DecodedRecord,
} from './batch.js';
import { decompress } from './compression.js';

/** Control record types (the key's second int16): the markers that end a transaction. */
export const ControlRecordType = { Abort: 0, Commit: 1 } as const;

export interface ReadBatch {
  header: BatchHeader;
  /** Offset of the batch's last record (baseOffset + lastOffsetDelta). */
  lastOffset: number;
  isControl: boolean;
  isTransactional: boolean;
  /** The decoded records, decompressed; key, value and header values are views into the record set or the decompressed body. */
  records: DecodedRecord[];
}

/**
 * Decodes every complete batch of `records`, checking each CRC32C as Java's
 * consumer does (check.crcs). Decompressed bodies are bounded by
 * `decompressionLimit`. Throws RecordDecodeError for a corrupt batch and
 * CompressionError for data that does not decompress.
 */
export function* readRecordBatches(records: Buffer, decompressionLimit: number): Generator<ReadBatch> {
  let pos = 0;
  while (records.length - pos >= LOG_OVERHEAD) {
    const batchLength = records.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    const size = batchLength + LOG_OVERHEAD;
    if (pos + size > records.length) return; // a partial batch at the end: fetched again next time
    if (size < RECORD_BATCH_OVERHEAD) {
      throw new RecordDecodeError(`record batch at position ${pos} has length ${batchLength}, smaller than its header`);
    }
    const magic = records.readInt8(pos + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) throw new RecordDecodeError(`record batch at position ${pos} has magic ${magic}; only magic 2 is supported`);
    const header = readBatchHeader(records, pos);
    const crc = computeBatchCrc(records, pos, size);
    if (crc !== header.crc) {
      throw new RecordDecodeError(`record batch at offset ${header.baseOffset} is corrupt (stored crc = ${header.crc}, computed crc = ${crc})`);
    }
    if (header.recordCount < 0) throw new RecordDecodeError(`record batch at offset ${header.baseOffset} has a negative record count ${header.recordCount}`);
    const codec = header.attributes & COMPRESSION_CODEC_MASK;
    const body = decompress(codec, records.subarray(pos + RECORD_BATCH_OVERHEAD, pos + size), decompressionLimit);
    const logAppendTime = (header.attributes & TIMESTAMP_TYPE_MASK) !== 0 ? header.maxTimestamp : null;
    yield {
      header,
      lastOffset: header.baseOffset + header.lastOffsetDelta,
      isControl: (header.attributes & CONTROL_FLAG_MASK) !== 0,
      isTransactional: (header.attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
      records: [...decodeRecordsBody(body, header.recordCount, header.baseOffset, header.baseTimestamp, logAppendTime)],
    };
    pos += size;
  }
}

/** The type of a control record from its key (version int16, type int16); null if the key is too short. */
export function controlRecordType(key: Buffer | null): number | null {
  if (key === null || key.length < 4) return null;
  return key.readInt16BE(2);
}
