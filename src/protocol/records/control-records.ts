// Transaction markers (KIP-98): a control batch of one record whose key is
// (version int16 = 0, type int16: 0 ABORT, 1 COMMIT) and whose value is
// (version int16 = 0, coordinator epoch int32). Only the transaction
// coordinator writes them; clients' control batches are refused.

import { buildRecordBatch } from './batch-builder.js';
import { CONTROL_FLAG_MASK, RecordDecodeError, decodeRecords, readBatchHeader } from './batch.js';

export type MarkerType = 'ABORT' | 'COMMIT';

const CONTROL_TYPE: Record<MarkerType, number> = { ABORT: 0, COMMIT: 1 };

export interface TxnMarker {
  type: MarkerType;
  coordinatorEpoch: number;
}

export interface MarkerBatch extends TxnMarker {
  producerId: number;
  producerEpoch: number;
}

/** The control batch for a marker, base offset 0 (the log assigns it). */
export function buildMarkerBatch(m: MarkerBatch, timestamp: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(CONTROL_TYPE[m.type], 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(m.coordinatorEpoch, 2);
  return buildRecordBatch([{ key, value }], timestamp, {
    producerId: m.producerId, producerEpoch: m.producerEpoch, transactional: true, control: true,
  });
}

/**
 * The marker in a stored control batch (`batch` starts at the batch). Null for
 * a control batch that is not a transaction marker (types other than 0 and 1,
 * e.g. KRaft's, which a data partition never holds). Throws RecordDecodeError
 * when the batch is malformed.
 */
export function readMarker(batch: Buffer): TxnMarker | null {
  const h = readBatchHeader(batch, 0);
  if ((h.attributes & CONTROL_FLAG_MASK) === 0) throw new RecordDecodeError('not a control batch');
  for (const r of decodeRecords(batch)) {
    if (r.key === null || r.key.length < 4) throw new RecordDecodeError('control record without a 4-byte key');
    const type = r.key.readInt16BE(2);
    if (type !== 0 && type !== 1) return null;
    const coordinatorEpoch = r.value !== null && r.value.length >= 6 ? r.value.readInt32BE(2) : -1;
    return { type: type === 1 ? 'COMMIT' : 'ABORT', coordinatorEpoch };
  }
  throw new RecordDecodeError('control batch without records');
}
