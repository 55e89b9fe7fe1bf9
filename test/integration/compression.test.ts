// Compressed produce over a real listener: compression.type=producer keeps the
// client's bytes, another compression.type recompresses (offsets, timestamps and
// producer fields kept), and corrupt payloads, compression bombs and keyless
// records in compacted topics are refused with INVALID_RECORD.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { CompressionCodec, RECORD_BATCH_OVERHEAD, assembleBatch, batchFieldsOf, rawRecords, readBatchHeader } from '../../src/protocol/records/batch.js';
import { compress, decompress } from '../../src/protocol/records/compression.js';
import type { EmbeddedBroker } from '../helpers/embedded-broker.js';
import { buildRecordBatch, type TestRecord } from '../helpers/record-batch.js';
import type { WireClient } from '../helpers/wire-client.js';
import { asStored, assertError, createTopic, fetchPartition, produce, splitBatches, uniqueTopic, useBrokerAndClient } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
useBrokerAndClient((b, client) => {
  broker = b;
  c = client;
});

const CODECS = { gzip: CompressionCodec.Gzip, snappy: CompressionCodec.Snappy, lz4: CompressionCodec.Lz4, zstd: CompressionCodec.Zstd } as const;
const T0 = Date.now();

function records(n: number): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: `key-${i}`, value: `value-${i}-`.repeat(8), timestamp: T0 + i, headers: [{ key: 'h', value: `${i}` }] }));
}

/** A client-style compressed batch: the records body compressed with `codec`. */
function compressedBatch(recs: TestRecord[], codec: number, opts: Parameters<typeof buildRecordBatch>[1] = {}, body?: (plain: Buffer) => Buffer): Buffer {
  const plain = buildRecordBatch(recs, opts);
  const h = readBatchHeader(plain, 0);
  const fields = batchFieldsOf(h);
  fields.attributes = (h.attributes & ~7) | codec;
  const payload = body !== undefined ? body(plain.subarray(RECORD_BATCH_OVERHEAD)) : compress(codec, plain.subarray(RECORD_BATCH_OVERHEAD));
  return assembleBatch(fields, payload);
}

function decodeBatch(bytes: Buffer): { key: string; value: string; timestamp: number; offset: number }[] {
  const h = readBatchHeader(bytes, 0);
  const body = decompress(h.attributes & 7, bytes.subarray(RECORD_BATCH_OVERHEAD), 64 << 20);
  return [...rawRecords(body, h.recordCount)].map((r) => ({
    key: r.key?.toString() ?? '',
    value: r.tail.toString('latin1'),
    timestamp: h.baseTimestamp + r.timestampDelta,
    offset: h.baseOffset + r.offsetDelta,
  }));
}

for (const [name, codec] of Object.entries(CODECS)) {
  test(`${name}: compression.type=producer stores the client's bytes as they came`, async () => {
    const topic = uniqueTopic(`keep-${name}`);
    await createTopic(c, topic, 1);
    const sent = compressedBatch(records(50), codec);
    assertError((await produce(c, topic, 0, buildRecordBatch(records(3)))).errorCode, ErrorCode.NONE);
    const r = await produce(c, topic, 0, sent);
    assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
    assert.equal(r.baseOffset, 3);
    const stored = splitBatches((await fetchPartition(c, topic, 0, 3)).records).batches[0]!;
    assert.deepEqual(stored.bytes, asStored(sent, 3));
  });

  test(`${name}: a topic with compression.type=${name} recompresses other codecs, keeping offsets, timestamps and producer fields`, async () => {
    const topic = uniqueTopic(`to-${name}`);
    await createTopic(c, topic, 1, { 'compression.type': name });
    const source = codec === CompressionCodec.Gzip ? CompressionCodec.Zstd : CompressionCodec.Gzip;
    const pid = 9000 + codec;
    const sent = [
      buildRecordBatch(records(20), { producerId: pid, producerEpoch: 2, baseSequence: 0 }),
      compressedBatch(records(30), source, { producerId: pid, producerEpoch: 2, baseSequence: 20 }),
    ];
    for (const b of sent) assertError((await produce(c, topic, 0, b)).errorCode, ErrorCode.NONE);
    const batches = splitBatches((await fetchPartition(c, topic, 0, 0)).records).batches;
    assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset, b.attributes & 7]), [[0, 19, codec], [20, 49, codec]]);
    for (const [i, b] of batches.entries()) {
      const h = readBatchHeader(b.bytes, 0);
      assert.deepEqual([h.producerId, h.producerEpoch, h.baseSequence], [pid, 2, i * 20]);
      const recs = decodeBatch(b.bytes);
      assert.deepEqual(recs.map((r) => r.key), records(i === 0 ? 20 : 30).map((r) => r.key));
      assert.deepEqual(recs.map((r) => r.timestamp), records(i === 0 ? 20 : 30).map((r) => r.timestamp));
      assert.equal(h.maxTimestamp, recs.at(-1)!.timestamp);
    }
    // The retry of a recompressed batch is still recognised by its sequence.
    const retry = await produce(c, topic, 0, sent[1]!);
    assertError(retry.errorCode, ErrorCode.NONE);
    assert.equal(retry.baseOffset, 20);
  });
}

test('compression.type=uncompressed stores compressed produce uncompressed', async () => {
  const topic = uniqueTopic('to-none');
  await createTopic(c, topic, 1, { 'compression.type': 'uncompressed' });
  assertError((await produce(c, topic, 0, compressedBatch(records(10), CompressionCodec.Lz4))).errorCode, ErrorCode.NONE);
  const stored = splitBatches((await fetchPartition(c, topic, 0, 0)).records).batches[0]!;
  assert.equal(stored.attributes & 7, CompressionCodec.None);
  assert.deepEqual(decodeBatch(stored.bytes).map((r) => r.key), records(10).map((r) => r.key));
});

test('corrupt compressed payloads, wrong record counts and compression bombs are INVALID_RECORD; the broker goes on', async () => {
  const topic = uniqueTopic('bad-compressed');
  await createTopic(c, topic, 1);
  const corrupt = compressedBatch(records(5), CompressionCodec.Gzip, {}, (plain) => {
    const z = gzipSync(plain);
    z[z.length >> 1] = (z[z.length >> 1] as number) ^ 0xff;
    return z;
  });
  const garbage = (codec: number): Buffer => compressedBatch(records(5), codec, {}, () => Buffer.from('this is not what it says it is '.repeat(10)));
  const miscounted = compressedBatch(records(5), CompressionCodec.Snappy, { recordCount: 4, lastOffsetDelta: 3 });
  // Multi-member gzip of 256 MiB of zeros in well under max.message.bytes.
  const huge = 256 * 1024 * 1024;
  const bomb = compressedBatch([{ key: 'k', value: 'x' }], CompressionCodec.Gzip, {}, () => {
    const member = gzipSync(Buffer.alloc(4 * 1024 * 1024), { level: 9 });
    return Buffer.concat(Array.from({ length: huge / (4 * 1024 * 1024) }, () => member));
  });
  assert.ok(bomb.length < 1_000_000, `bomb of ${bomb.length} bytes fits max.message.bytes`);
  for (const [what, b] of [['corrupt gzip', corrupt], ['snappy garbage', garbage(2)], ['lz4 garbage', garbage(3)], ['zstd garbage', garbage(4)], ['wrong count', miscounted], ['bomb', bomb]] as const) {
    const r = await produce(c, topic, 0, b);
    assertError(r.errorCode, ErrorCode.INVALID_RECORD, what);
    assert.ok((r.errorMessage ?? '').length > 0, `${what}: a message says why`);
  }
  const ok = await produce(c, topic, 0, compressedBatch(records(2), CompressionCodec.Zstd));
  assertError(ok.errorCode, ErrorCode.NONE);
  assert.equal(ok.baseOffset, 0);
});

test('a compacted topic refuses records without a key, naming them in record_errors', async () => {
  const topic = uniqueTopic('compact-nokey');
  await createTopic(c, topic, 1, { 'cleanup.policy': 'compact' });
  const b = compressedBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: 'c', value: null }], CompressionCodec.Lz4);
  const r = await produce(c, topic, 0, b);
  assertError(r.errorCode, ErrorCode.INVALID_RECORD);
  assert.deepEqual(r.recordErrors.map((e) => e.batchIndex), [1]);
  assert.match(r.recordErrors[0]!.batchIndexErrorMessage ?? '', /Compacted topic cannot accept message without key/);
  assertError((await produce(c, topic, 0, buildRecordBatch([{ key: 'a', value: null }]))).errorCode, ErrorCode.NONE, 'tombstones have keys');
});
