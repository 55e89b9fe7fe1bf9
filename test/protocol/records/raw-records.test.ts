// Raw record walking and re-encoding (what compaction and recompression use),
// batch assembly, and the validateRecordSet rules that depend on compression
// and origin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/protocol/generated/errors.js';
import {
  CompressionCodec, RECORD_BATCH_OVERHEAD, RecordDecodeError, assembleBatch, batchFieldsOf, decodeRecords, decrementSequence,
  encodeRecordsBody, incrementSequence, rawRecords, readBatchHeader, validateRecordSet,
} from '../../../src/protocol/records/batch.js';
import { compress } from '../../../src/protocol/records/compression.js';
import { buildRecordBatch } from '../../helpers/record-batch.js';

const NOW = 1_700_000_000_000;

test('rawRecords walks keys, tombstones and headers; re-encoding with new deltas is lossless', () => {
  const batch = buildRecordBatch([
    { key: 'a', value: '1', timestamp: NOW, headers: [{ key: 'h\u00e9', value: Buffer.from([0xff, 0xfe]) }] },
    { key: null, value: 'no key', timestamp: NOW + 5 },
    { key: 'b', value: null, timestamp: NOW + 9 },
  ], { baseTimestamp: NOW });
  const h = readBatchHeader(batch, 0);
  const recs = [...rawRecords(batch.subarray(RECORD_BATCH_OVERHEAD), h.recordCount)];
  assert.deepEqual(recs.map((r) => [r.key?.toString() ?? null, r.nullValue, r.offsetDelta, r.timestampDelta]), [
    ['a', false, 0, 0], [null, false, 1, 5], ['b', true, 2, 9],
  ]);
  // The same records at offset deltas 10, 20, 30 and timestamps re-based by -5: everything else is byte-identical.
  const body = encodeRecordsBody(recs.map((r, i) => ({ attributes: r.attributes, timestampDelta: r.timestampDelta + 5, offsetDelta: (i + 1) * 10, tail: r.tail })));
  const fields = batchFieldsOf(h);
  fields.baseTimestamp = NOW - 5;
  fields.lastOffsetDelta = 30;
  const rebuilt = assembleBatch(fields, body);
  assert.ok(validateRecordSet(rebuilt, { maxMessageBytes: 1 << 20, now: NOW, origin: 'internal' }).ok, 'valid CRC and header');
  const decoded = [...decodeRecords(rebuilt)];
  assert.deepEqual(decoded.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null]), [
    [10, NOW, 'a', '1'], [20, NOW + 5, null, 'no key'], [30, NOW + 9, 'b', null],
  ]);
  assert.deepEqual(decoded[0]!.headers, [{ key: 'h\u00e9', value: Buffer.from([0xff, 0xfe]) }]);
});

test('rawRecords refuses a declared count that does not match the records', () => {
  const batch = buildRecordBatch([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
  const body = batch.subarray(RECORD_BATCH_OVERHEAD);
  assert.throws(() => [...rawRecords(body, 1)], RecordDecodeError);
  assert.throws(() => [...rawRecords(body, 3)], RecordDecodeError);
  assert.throws(() => [...rawRecords(body.subarray(0, body.length - 1), 2)], RecordDecodeError);
});

test('sequence arithmetic wraps at Int32.MAX like Kafka', () => {
  assert.equal(incrementSequence(0x7fffffff - 1, 2), 0);
  assert.equal(incrementSequence(0x7fffffff, 1), 0);
  assert.equal(incrementSequence(5, 3), 8);
  assert.equal(decrementSequence(0, 2), 0x7fffffff - 1);
  assert.equal(decrementSequence(8, 3), 5);
});

test('validateRecordSet: a compressed batch may hold more records than 7-byte minimums suggest; control batches need no sequence', () => {
  const plain = buildRecordBatch(Array.from({ length: 500 }, () => ({ key: 'k', value: null })));
  const h = readBatchHeader(plain, 0);
  const fields = batchFieldsOf(h);
  fields.attributes = CompressionCodec.Zstd;
  const tiny = assembleBatch(fields, compress(CompressionCodec.Zstd, plain.subarray(RECORD_BATCH_OVERHEAD)));
  assert.ok(tiny.length - RECORD_BATCH_OVERHEAD < 500 * 7, 'compressed smaller than 7 bytes a record');
  assert.ok(validateRecordSet(tiny, { maxMessageBytes: 1 << 20, now: NOW }).ok, 'accepted; the count is checked after decompression');
  const lying = buildRecordBatch([{ key: 'k', value: 'v' }], { recordCount: 50, lastOffsetDelta: 49 });
  const v = validateRecordSet(lying, { maxMessageBytes: 1 << 20, now: NOW });
  assert.equal(v.ok, false);
  if (!v.ok) assert.equal(v.errorCode, ErrorCode.CORRUPT_MESSAGE);

  const marker = buildRecordBatch([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { control: true, producerId: 3, producerEpoch: 1 });
  assert.ok(validateRecordSet(marker, { maxMessageBytes: 1 << 20, now: NOW, origin: 'internal' }).ok, 'a transaction marker has a producer id and no sequence');
  const client = validateRecordSet(buildRecordBatch([{ value: 'x' }], { producerId: 3, producerEpoch: 1 }), { maxMessageBytes: 1 << 20, now: NOW });
  assert.equal(client.ok, false, 'a client batch with a producer id needs a sequence');
});
