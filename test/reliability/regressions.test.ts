// One test per failure the reliability harness found, named for it, so each
// stays fixed. The harness that found it is named in the test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, MetadataRequestMessage } from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { CompressionCodec } from '../../src/protocol/records/batch.js';
import { validateRecords } from '../../src/storage/log-validator.js';
import { buildRecordBatch, fixCrc } from '../helpers/record-batch.js';
import type { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, uniqueTopic, useBrokerAndClient } from '../integration/support.js';

let client: WireClient;
useBrokerAndClient((_b, c) => { client = c; });

test('decoder fuzz: an int64 of Long.MAX_VALUE decodes and re-encodes as Long.MAX_VALUE (was a RangeError in Writer.int64)', () => {
  const max = Buffer.from('7fffffffffffffff', 'hex');
  const v = new Reader(max).int64();
  const w = new Writer();
  w.int64(v);
  assert.deepEqual(w.toBuffer(), max);
  // Just below, where doubles are still 1024 apart, values keep their (rounded) magnitude.
  const w2 = new Writer();
  w2.int64(2 ** 62);
  assert.equal(w2.toBuffer().toString('hex'), '4000000000000000');
});

test('decoder fuzz: recompressing a batch whose producer id is Long.MAX_VALUE keeps it (was a RangeError in the batch header writer)', () => {
  const batch = buildRecordBatch([{ key: 'k', value: 'v' }, { key: 'k2', value: 'v2' }], { producerId: 0, producerEpoch: 0, baseSequence: 0 });
  Buffer.from('7fffffffffffffff', 'hex').copy(batch, 43);
  fixCrc(batch);
  const out = validateRecords(batch, {
    compacted: false, targetCodec: CompressionCodec.Gzip, levels: {}, maxMessageBytes: 1 << 20, decompressionLimit: 1 << 22, partition: 'regression-0',
  });
  assert.ok(out.ok, out.ok ? '' : out.message);
  if (out.ok) assert.equal(out.records.subarray(43, 51).toString('hex'), '7fffffffffffffff');
});

test('live fuzz: Metadata v1-11 naming an empty topic answers INVALID_TOPIC_EXCEPTION (was a null name the response cannot carry: ERROR, connection closed)', async () => {
  for (const version of [1, 4, 9, 10, 11]) {
    const res = await client.request(ApiKey.Metadata, version, { topics: [{ name: '' }], allowAutoTopicCreation: false });
    assert.equal(res.topics.length, 1, `v${version}`);
    assert.equal(res.topics[0]!.name, '');
    assertError(res.topics[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `v${version}`);
  }
  // The bytes of the request the fuzzer sent decode as such (v10: name '' with a zero topic id).
  const w = new Writer();
  MetadataRequestMessage.encode(w, 10, { topics: [{ name: '' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  assert.equal(MetadataRequestMessage.decode(new Reader(w.toBuffer()), 10).topics![0]!.name, '');
});

test('live fuzz: CreateTopics claiming 2^31-1 partitions is POLICY_VIOLATION (was the broker creating logs until EMFILE and out of memory)', async () => {
  const huge = uniqueTopic('huge');
  const res = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name: huge, numPartitions: 0x7fffffff, replicationFactor: 1 }], timeoutMs: 5000 });
  assertError(res.topics[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
  assert.equal(res.topics[0]!.errorMessage, 'Excessively large number of partitions per request.');
  // The cap is per request (KAFKA-17870): 5,001 + 5,000 fails for both topics.
  const a = uniqueTopic('split-a');
  const b = uniqueTopic('split-b');
  const both = await client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name: a, numPartitions: 5001, replicationFactor: 1 }, { name: b, numPartitions: 5000, replicationFactor: 1 }], timeoutMs: 5000,
  });
  assert.deepEqual(both.topics.map((t) => [t.name, t.errorCode]), [[a, ErrorCode.POLICY_VIOLATION], [b, ErrorCode.POLICY_VIOLATION]]);
  const meta = await client.request(ApiKey.Metadata, 12, { topics: [{ name: huge }, { name: a }, { name: b }], allowAutoTopicCreation: false });
  assert.deepEqual(meta.topics.map((t) => t.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
});

test('live fuzz: CreatePartitions adding 2^31-2 partitions is POLICY_VIOLATION (same exhaustion as CreateTopics)', async () => {
  const topic = uniqueTopic('grow');
  await createTopic(client, topic, 1);
  const res = await client.request(ApiKey.CreatePartitions, 3, { topics: [{ name: topic, count: 0x7fffffff, assignments: null }], timeoutMs: 5000, validateOnly: false });
  assertError(res.results[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
  const ok = await client.request(ApiKey.CreatePartitions, 3, { topics: [{ name: topic, count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
  assertError(ok.results[0]!.errorCode, ErrorCode.NONE);
});
