import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeRecords,
  readBatchHeader,
  setBaseOffset,
  setMaxTimestampAndLogAppendTime,
  validateRecordSet,
  RecordDecodeError,
  RECORD_BATCH_OVERHEAD,
} from '../../../src/protocol/records/batch.js';
import { crc32c } from '../../../src/protocol/records/crc32c.js';
import { buildRecordBatch, buildSimpleBatch, fixCrc } from '../../helpers/record-batch.js';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';

const opts = { maxMessageBytes: 1_048_588, now: 1_700_000_000_000 };

test('crc32c matches the standard check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('a valid batch passes and reports its header facts', () => {
  const batch = buildSimpleBatch(5, { producerId: 7, producerEpoch: 1, baseSequence: 10, transactional: true });
  const r = validateRecordSet(batch, opts);
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.batchCount, 1);
  assert.equal(r.recordCount, 5);
  assert.equal(r.offsetCount, 5);
  assert.equal(r.firstTimestamp, 1_700_000_000_000);
  assert.equal(r.maxTimestamp, 1_700_000_000_004);
  assert.equal(r.shallowOffsetOfMaxTimestampDelta, 4);
  assert.equal(r.producerId, 7);
  assert.equal(r.producerEpoch, 1);
  assert.equal(r.baseSequence, 10);
  assert.equal(r.isTransactional, true);
  assert.equal(r.isControl, false);
  assert.equal(r.sizeInBytes, batch.length);
});

test('readBatchHeader reads every field', () => {
  const batch = buildSimpleBatch(3, { baseOffset: 2 ** 40 + 5, partitionLeaderEpoch: 9, producerId: 2 ** 33 });
  const h = readBatchHeader(batch, 0);
  assert.equal(h.baseOffset, 2 ** 40 + 5);
  assert.equal(h.batchLength, batch.length - 12);
  assert.equal(h.partitionLeaderEpoch, 9);
  assert.equal(h.magic, 2);
  assert.equal(h.lastOffsetDelta, 2);
  assert.equal(h.recordCount, 3);
  assert.equal(h.producerId, 2 ** 33);
  assert.equal(h.producerEpoch, -1);
  assert.throws(() => readBatchHeader(batch.subarray(0, 40), 0), RangeError);
});

test('bad CRC is CORRUPT_MESSAGE', () => {
  const batch = buildSimpleBatch(2);
  batch[batch.length - 1] ^= 0xff;
  const r = validateRecordSet(batch, opts);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.errorCode, ErrorCode.CORRUPT_MESSAGE);
});

test('a truncated batch is CORRUPT_MESSAGE', () => {
  const batch = buildSimpleBatch(2);
  for (const len of [10, 20, 61, batch.length - 1]) {
    const r = validateRecordSet(batch.subarray(0, len), opts);
    assert.equal(!r.ok && r.errorCode, ErrorCode.CORRUPT_MESSAGE, `length ${len}`);
  }
  // A trailing truncated batch after a valid one, internal origin.
  const two = Buffer.concat([batch, batch.subarray(0, 30)]);
  const r = validateRecordSet(two, { ...opts, origin: 'internal' });
  assert.equal(!r.ok && r.errorCode, ErrorCode.CORRUPT_MESSAGE);
  // A batchLength smaller than the header.
  const small = Buffer.from(batch);
  small.writeInt32BE(10, 8);
  assert.equal(validateRecordSet(small, opts).ok, false);
});

test('magic 0 and 1 are INVALID_RECORD (Kafka 4 accepts only magic 2)', () => {
  for (const magic of [0, 1]) {
    const batch = buildSimpleBatch(1, { magic });
    const r = validateRecordSet(batch, opts);
    assert.equal(!r.ok && r.errorCode, ErrorCode.INVALID_RECORD);
  }
  const r = validateRecordSet(buildSimpleBatch(1, { magic: 7 }), opts);
  assert.equal(!r.ok && r.errorCode, ErrorCode.CORRUPT_MESSAGE);
});

test('a batch over max.message.bytes is MESSAGE_TOO_LARGE; a set over segment.bytes is RECORD_LIST_TOO_LARGE', () => {
  const batch = buildSimpleBatch(10, { valueSize: 100 });
  const r = validateRecordSet(batch, { ...opts, maxMessageBytes: batch.length - 1 });
  assert.equal(!r.ok && r.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(validateRecordSet(batch, { ...opts, maxMessageBytes: batch.length }).ok, true);
  const r2 = validateRecordSet(batch, { ...opts, segmentBytes: 100 });
  assert.equal(!r2.ok && r2.errorCode, ErrorCode.RECORD_LIST_TOO_LARGE);
});

test('record count and lastOffsetDelta must agree; count must be positive', () => {
  const zero = buildRecordBatch([], { recordCount: 0, lastOffsetDelta: 0 });
  assert.equal((r => !r.ok && r.errorCode)(validateRecordSet(zero, opts)), ErrorCode.INVALID_RECORD);
  const mismatch = buildSimpleBatch(3, { lastOffsetDelta: 5 });
  assert.equal((r => !r.ok && r.errorCode)(validateRecordSet(mismatch, opts)), ErrorCode.INVALID_RECORD);
  const lying = buildSimpleBatch(3, { recordCount: 100000, lastOffsetDelta: 99999 });
  assert.equal(validateRecordSet(lying, opts).ok, false);
});

test('client rules: one batch, baseOffset 0, no control batches, sequence with producer id', () => {
  const a = buildSimpleBatch(2);
  const b = buildSimpleBatch(3);
  const r = validateRecordSet(Buffer.concat([a, b]), opts);
  assert.equal(!r.ok && r.errorCode, ErrorCode.INVALID_RECORD);
  const off = validateRecordSet(buildSimpleBatch(1, { baseOffset: 5 }), opts);
  assert.equal(!off.ok && off.errorCode, ErrorCode.INVALID_RECORD);
  const ctl = validateRecordSet(buildSimpleBatch(1, { control: true }), opts);
  assert.equal(!ctl.ok && ctl.errorCode, ErrorCode.INVALID_RECORD);
  const seq = validateRecordSet(buildSimpleBatch(1, { producerId: 3, baseSequence: -1 }), opts);
  assert.equal(!seq.ok && seq.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal((r => !r.ok && r.errorCode)(validateRecordSet(Buffer.alloc(0), opts)), ErrorCode.INVALID_RECORD);
});

test('multiple batches in one set (internal origin)', () => {
  const a = buildSimpleBatch(2, { baseTimestamp: 1000 });
  const b = buildSimpleBatch(3, { baseTimestamp: 5000 });
  const c = buildSimpleBatch(1, { baseTimestamp: 2000, control: true });
  const r = validateRecordSet(Buffer.concat([a, b, c]), { ...opts, origin: 'internal' });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.batchCount, 3);
  assert.equal(r.recordCount, 6);
  assert.equal(r.maxTimestamp, 5002);
  assert.equal(r.shallowOffsetOfMaxTimestampDelta, 4);
  assert.equal(r.firstTimestamp, 1000);
});

test('timestamp bounds give INVALID_TIMESTAMP for CreateTime only', () => {
  const old = buildSimpleBatch(1, { baseTimestamp: opts.now - 10_000 });
  const r = validateRecordSet(old, { ...opts, timestampBeforeMaxMs: 5000 });
  assert.equal(!r.ok && r.errorCode, ErrorCode.INVALID_TIMESTAMP);
  const future = buildSimpleBatch(1, { baseTimestamp: opts.now + 7_200_000 });
  const r2 = validateRecordSet(future, { ...opts, timestampAfterMaxMs: 3_600_000 });
  assert.equal(!r2.ok && r2.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal(validateRecordSet(future, { ...opts, timestampAfterMaxMs: 3_600_000, timestampType: 'LogAppendTime' }).ok, true);
});

test('unknown compression codec is rejected', () => {
  const r = validateRecordSet(buildSimpleBatch(1, { compression: 6 }), opts);
  assert.equal(!r.ok && r.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
});

test('setBaseOffset keeps the CRC valid; LogAppendTime rewrites maxTimestamp and the CRC', () => {
  const batch = buildSimpleBatch(4);
  setBaseOffset(batch, 0, 123456789012);
  assert.equal(readBatchHeader(batch, 0).baseOffset, 123456789012);
  assert.equal(validateRecordSet(batch, { ...opts, origin: 'internal' }).ok, true);
  setMaxTimestampAndLogAppendTime(batch, 0, 1_800_000_000_000);
  const h = readBatchHeader(batch, 0);
  assert.equal(h.maxTimestamp, 1_800_000_000_000);
  assert.equal(h.attributes & 0x08, 0x08);
  assert.equal(validateRecordSet(batch, { ...opts, origin: 'internal' }).ok, true);
  for (const rec of decodeRecords(batch)) assert.equal(rec.timestamp, 1_800_000_000_000);
});

test('decodeRecords yields keys, values, headers, offsets and timestamps', () => {
  const batch = buildRecordBatch(
    [
      { key: 'a', value: 'one', timestamp: 100, headers: [{ key: 'h', value: 'x' }, { key: 'n', value: null }] },
      { key: null, value: null, timestamp: 90 },
      { key: 'c', value: Buffer.alloc(300, 7), timestamp: 250 },
    ],
    { baseOffset: 40 },
  );
  const recs = [...decodeRecords(batch)];
  assert.equal(recs.length, 3);
  assert.deepEqual(recs.map((r) => r.offset), [40, 41, 42]);
  assert.deepEqual(recs.map((r) => r.timestamp), [100, 90, 250]);
  assert.equal(recs[0]?.key?.toString(), 'a');
  assert.equal(recs[0]?.value?.toString(), 'one');
  assert.deepEqual(recs[0]?.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['h', 'x'], ['n', null]]);
  assert.equal(recs[1]?.key, null);
  assert.equal(recs[1]?.value, null);
  assert.equal(recs[2]?.value?.length, 300);
});

test('decodeRecords rejects hostile input with RangeErrors, never huge allocations', () => {
  const batch = buildSimpleBatch(2);
  // Claim a giant value length inside the first record.
  const bad = Buffer.from(batch);
  // record 0 starts at 61: length varint, attrs, tsDelta, offsetDelta, key len (zigzag 2 = 'k0' -> 4)...
  bad[RECORD_BATCH_OVERHEAD + 4] = 0xfe; // key length varint now multi-byte / huge
  bad[RECORD_BATCH_OVERHEAD + 5] = 0xff;
  fixCrc(bad);
  assert.throws(() => [...decodeRecords(bad)], RangeError);
  assert.throws(() => [...decodeRecords(batch.subarray(0, 70))], RecordDecodeError);
  const lying = Buffer.from(batch);
  lying.writeInt32BE(1_000_000, 57);
  assert.throws(() => [...decodeRecords(lying)], RecordDecodeError);
  assert.throws(() => [...decodeRecords(buildSimpleBatch(1, { compression: 1 }))], /compressed/);
  // Random garbage never crashes with anything but a RangeError.
  for (let i = 0; i < 500; i++) {
    const g = Buffer.from(batch);
    for (let j = 0; j < 4; j++) g[61 + Math.floor(Math.random() * (g.length - 61))] = Math.floor(Math.random() * 256);
    try {
      for (const _ of decodeRecords(g)) void _;
    } catch (e) {
      assert.ok(e instanceof RangeError, String(e));
    }
  }
});
