// What a consumer reads out of fetched bytes: producer batches we build
// (every codec, producer fields, per-record timestamps) and batches Apache
// Kafka 4.1.1 wrote decode record by record; a partial trailing batch is left
// for the next fetch; a corrupt batch is an error, not garbage.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompressionCodec, RecordDecodeError, readBatchHeader, validateRecordSet } from '../../../src/protocol/records/batch.js';
import { buildProducerBatch } from '../../../src/protocol/records/batch-builder.js';
import { ControlRecordType, controlRecordType, readRecordBatches } from '../../../src/protocol/records/batch-reader.js';
import { buildRecordBatch } from '../../helpers/record-batch.js';
import { repoRoot } from '../../helpers/repo-root.js';

const MiB = 1024 * 1024;
const T = 1_750_000_000_000;

const records = [
  { key: Buffer.from('a'), value: Buffer.from('one'), headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }], timestamp: T },
  { key: null, value: Buffer.from('two'), timestamp: T - 7 },
  { key: Buffer.from('c'), value: null, timestamp: T + 20 },
];

for (const [name, codec] of Object.entries(CompressionCodec)) {
  test(`buildProducerBatch (${name}) is a valid produce batch that reads back record by record`, () => {
    const batch = buildProducerBatch(records, { codec, producerId: 42, producerEpoch: 3, baseSequence: 17 });
    const v = validateRecordSet(batch, { maxMessageBytes: MiB, now: T });
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.deepEqual([v.producerId, v.producerEpoch, v.baseSequence, v.recordCount, v.compression, v.maxTimestamp], [42, 3, 17, 3, codec, T + 20]);
    const stored = Buffer.from(batch);
    stored.writeBigInt64BE(100n, 0); // the log's base offset, outside the CRC
    const [read, ...rest] = [...readRecordBatches(stored, MiB)];
    assert.equal(rest.length, 0);
    assert.equal(read!.lastOffset, 102);
    assert.equal(read!.isControl, false);
    assert.equal(read!.isTransactional, false);
    assert.deepEqual(read!.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null]), [
      [100, T, 'a', 'one'], [101, T - 7, null, 'two'], [102, T + 20, 'c', null],
    ]);
    assert.deepEqual(read!.records[0]!.headers, [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }]);
  });
}

test('buildProducerBatch marks transactional batches and refuses an empty one', () => {
  const b = buildProducerBatch(records, { codec: 0, producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true });
  assert.equal([...readRecordBatches(b, MiB)][0]!.isTransactional, true);
  assert.throws(() => buildProducerBatch([], { codec: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 }), /at least one record/);
});

test('several batches, the last one cut short: the complete ones are read, the partial one left', () => {
  const a = buildProducerBatch(records.slice(0, 1), { codec: CompressionCodec.Gzip, producerId: -1, producerEpoch: -1, baseSequence: -1 });
  const b = buildProducerBatch(records.slice(1), { codec: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 });
  b.writeBigInt64BE(1n, 0);
  const set = Buffer.concat([a, b]);
  assert.deepEqual([...readRecordBatches(set, MiB)].map((x) => x.records.length), [1, 2]);
  for (const cut of [a.length + 5, a.length + 30, set.length - 1]) {
    assert.deepEqual([...readRecordBatches(set.subarray(0, cut), MiB)].map((x) => x.header.baseOffset), [0], `cut at ${cut}`);
  }
  assert.deepEqual([...readRecordBatches(Buffer.alloc(0), MiB)], []);
});

test('a corrupt batch throws RecordDecodeError naming its offset', () => {
  const b = buildProducerBatch(records, { codec: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 });
  b.writeBigInt64BE(5n, 0);
  const flipped = Buffer.from(b);
  flipped[flipped.length - 2]! ^= 0xff;
  assert.throws(() => [...readRecordBatches(flipped, MiB)], (e: unknown) => e instanceof RecordDecodeError && /offset 5 is corrupt/.test(e.message));
  const magic = Buffer.from(b);
  magic.writeInt8(1, 16);
  assert.throws(() => [...readRecordBatches(magic, MiB)], /magic 1/);
  const tiny = Buffer.from(b.subarray(0, 20));
  tiny.writeInt32BE(8, 8);
  assert.throws(() => [...readRecordBatches(tiny, MiB)], /smaller than its header/);
});

test('control batches are flagged and their type read from the key', () => {
  const abortKey = Buffer.from([0, 0, 0, ControlRecordType.Abort]);
  const commitKey = Buffer.from([0, 0, 0, ControlRecordType.Commit]);
  const marker = buildRecordBatch([{ key: abortKey, value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { control: true, transactional: true, producerId: 9, producerEpoch: 0 });
  const [read] = [...readRecordBatches(marker, MiB)];
  assert.equal(read!.isControl, true);
  assert.equal(controlRecordType(read!.records[0]!.key), ControlRecordType.Abort);
  assert.equal(controlRecordType(commitKey), ControlRecordType.Commit);
  assert.equal(controlRecordType(Buffer.from([0])), null);
  assert.equal(controlRecordType(null), null);
});

for (const name of ['gzip', 'snappy', 'lz4', 'zstd']) {
  test(`reads the ${name} batch Apache Kafka 4.1.1 wrote`, () => {
    const batch = readFileSync(join(repoRoot(), 'test', 'protocol', 'records', 'fixtures', `kafka-4.1.1-recompressed-${name}.bin`));
    const h = readBatchHeader(batch, 0);
    const [read] = [...readRecordBatches(batch, 64 * MiB)];
    assert.equal(read!.records.length, 2000);
    read!.records.forEach((r, i) => {
      assert.equal(r.offset, h.baseOffset + i);
      assert.equal(r.key?.toString(), `key-${i}`);
      assert.equal(r.value?.toString(), `value-${i}-`.repeat(5));
      assert.equal(r.timestamp, 1_700_000_000_000 + 3 * i);
    });
  });
}
