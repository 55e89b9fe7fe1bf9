// Produce over a real listener: offsets per acks mode, acks=0's silence, and
// the per-partition errors for bad acks, unknown partitions and bad batches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { buildRecordBatch, buildSimpleBatch, fixCrc } from '../helpers/record-batch.js';
import type { EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, asStored, createTopic, fetchPartition, produce, splitBatches, uniqueTopic, useBrokerAndClient } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
useBrokerAndClient((b, client) => {
  broker = b;
  c = client;
});

async function latestOffset(topic: string, partition: number): Promise<number> {
  const res = await c.request(ApiKey.ListOffsets, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }] });
  const p = res.topics[0]!.partitions[0]!;
  assertError(p.errorCode, ErrorCode.NONE);
  return p.offset;
}

for (const acks of [1, -1]) {
  test(`acks=${acks}: base offsets advance by the record count of each batch`, async () => {
    const topic = uniqueTopic(`acks${acks}`);
    await createTopic(c, topic, 1);
    let expected = 0;
    for (const n of [3, 5, 1, 10]) {
      const p = await produce(c, topic, 0, buildSimpleBatch(n), { acks });
      assertError(p.errorCode, ErrorCode.NONE);
      assert.equal(p.baseOffset, expected);
      assert.equal(p.logAppendTimeMs, -1);
      assert.equal(p.logStartOffset, 0);
      expected += n;
    }
    assert.equal(await latestOffset(topic, 0), expected);
  });
}

test('every Produce version from v3 to v11 appends', async () => {
  const topic = uniqueTopic('versions');
  await createTopic(c, topic, 1);
  let expected = 0;
  for (let version = 3; version <= 11; version++) {
    const p = await produce(c, topic, 0, buildSimpleBatch(2), { acks: 1, version });
    assertError(p.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(p.baseOffset, expected, `v${version}`);
    expected += 2;
  }
});

test('acks=0 gets no response: the next pipelined request is answered with its own correlation id', async () => {
  const topic = uniqueTopic('acks0');
  await createTopic(c, topic, 1);
  const conn = await WireClient.connect(broker.host, broker.port);
  try {
    const batch = buildSimpleBatch(4);
    await conn.request(ApiKey.Produce, 9, { acks: 0, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] },
      { correlationId: 500, expectResponse: false });
    await conn.request(ApiKey.Produce, 9, { acks: 0, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildSimpleBatch(2) }] }] },
      { correlationId: 501, expectResponse: false });
    const offsets = await conn.request(ApiKey.ListOffsets, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] },
      { correlationId: 502 });
    // Had the broker answered either produce, the client would have matched that answer to 502 and failed.
    assert.deepEqual(conn.received.map((r) => r.correlationId), [502]);
    assert.equal(offsets.topics[0]!.partitions[0]!.offset, 6);
    const f = await fetchPartition(conn, topic, 0, 0);
    assert.deepEqual(splitBatches(f.records).batches[0]!.bytes, asStored(batch, 0));
  } finally {
    conn.close();
  }
});

test('acks=0 with an error closes the connection (the producer learns of it by reconnecting)', async () => {
  const topic = uniqueTopic('acks0-error');
  await createTopic(c, topic, 1);
  const conn = await WireClient.connect(broker.host, broker.port);
  try {
    // A request pipelined before the failing produce is still answered; one after it is not.
    const before = conn.request(ApiKey.Metadata, 12, { topics: [{ name: topic }] });
    await conn.request(ApiKey.Produce, 9, { acks: 0, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 3, records: buildSimpleBatch(1) }] }] },
      { expectResponse: false });
    const behind = conn.request(ApiKey.Metadata, 12, { topics: [{ name: topic }] });
    assert.equal((await before).topics[0]!.name, topic);
    await assert.rejects(behind, /closed/);
    assert.equal(await conn.waitForClose(3000), true, 'Kafka closes the connection when an acks=0 produce fails');
  } finally {
    conn.close();
  }
});

test('acks=2 gets INVALID_REQUIRED_ACKS for every partition and appends nothing', async () => {
  const topic = uniqueTopic('acks2');
  await createTopic(c, topic, 2);
  const res = await c.request(ApiKey.Produce, 9, {
    acks: 2, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: buildSimpleBatch(1) }, { index: 1, records: buildSimpleBatch(1) }] }],
  });
  const parts = res.responses[0]!.partitionResponses;
  // Kafka does not keep the request's partition order.
  assert.deepEqual(parts.map((p) => [p.index, p.errorCode, p.baseOffset]).sort(), [[0, ErrorCode.INVALID_REQUIRED_ACKS, -1], [1, ErrorCode.INVALID_REQUIRED_ACKS, -1]]);
  assert.equal(await latestOffset(topic, 0), 0);
  assert.equal(await latestOffset(topic, 1), 0);
});

test('an unknown topic or partition fails alone; the other partitions of the request are appended', async () => {
  const topic = uniqueTopic('mixed');
  await createTopic(c, topic, 2);
  const missing = uniqueTopic('missing');
  const res = await c.request(ApiKey.Produce, 9, {
    acks: -1, timeoutMs: 5000,
    topicData: [
      { name: topic, partitionData: [{ index: 0, records: buildSimpleBatch(3) }, { index: 7, records: buildSimpleBatch(1) }, { index: 1, records: buildSimpleBatch(2) }] },
      { name: missing, partitionData: [{ index: 0, records: buildSimpleBatch(1) }] },
    ],
  });
  const byTopic = new Map(res.responses.map((t) => [t.name, new Map(t.partitionResponses.map((p) => [p.index, p]))]));
  assertError(byTopic.get(topic)!.get(0)!.errorCode, ErrorCode.NONE);
  assert.equal(byTopic.get(topic)!.get(0)!.baseOffset, 0);
  assertError(byTopic.get(topic)!.get(1)!.errorCode, ErrorCode.NONE);
  assertError(byTopic.get(topic)!.get(7)!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(byTopic.get(topic)!.get(7)!.baseOffset, -1);
  assertError(byTopic.get(missing)!.get(0)!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(await latestOffset(topic, 0), 3);
  assert.equal(await latestOffset(topic, 1), 2);
  // Produce never creates topics.
  const meta = await c.request(ApiKey.Metadata, 12, { topics: [{ name: missing }], allowAutoTopicCreation: false });
  assertError(meta.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('a batch with a wrong CRC gets CORRUPT_MESSAGE and is not appended', async () => {
  const topic = uniqueTopic('crc');
  await createTopic(c, topic, 1);
  const batch = buildSimpleBatch(3);
  batch[batch.length - 1] ^= 0xff; // a record byte, covered by the CRC
  const p = await produce(c, topic, 0, batch);
  assertError(p.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(p.baseOffset, -1);
  assert.equal(await latestOffset(topic, 0), 0);
  // The partition still takes good batches at offset 0.
  const ok = await produce(c, topic, 0, buildSimpleBatch(1));
  assertError(ok.errorCode, ErrorCode.NONE);
  assert.equal(ok.baseOffset, 0);
});

test('a magic 1 batch gets INVALID_RECORD', async () => {
  const topic = uniqueTopic('magic1');
  await createTopic(c, topic, 1);
  const batch = buildSimpleBatch(2, { magic: 1 });
  fixCrc(batch);
  const p = await produce(c, topic, 0, batch);
  assertError(p.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(await latestOffset(topic, 0), 0);
});

test('a batch over the topic max.message.bytes gets MESSAGE_TOO_LARGE; one under it is taken', async () => {
  const topic = uniqueTopic('too-large');
  await createTopic(c, topic, 1, { 'max.message.bytes': '2000' });
  const big = buildRecordBatch([{ key: 'k', value: Buffer.alloc(2100, 1) }]);
  const p = await produce(c, topic, 0, big);
  assertError(p.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(await latestOffset(topic, 0), 0);
  const small = buildRecordBatch([{ key: 'k', value: Buffer.alloc(1500, 1) }]);
  assert.ok(small.length <= 2000);
  const ok = await produce(c, topic, 0, small);
  assertError(ok.errorCode, ErrorCode.NONE);
});

test('a LogAppendTime topic returns log_append_time_ms and writes it into the batch', async () => {
  const topic = uniqueTopic('append-time');
  await createTopic(c, topic, 1, { 'message.timestamp.type': 'LogAppendTime' });
  const batch = buildSimpleBatch(3, { baseTimestamp: 1_000_000 });
  const before = Date.now();
  const p = await produce(c, topic, 0, batch);
  const afterTs = Date.now();
  assertError(p.errorCode, ErrorCode.NONE);
  assert.ok(p.logAppendTimeMs >= before && p.logAppendTimeMs <= afterTs, `log_append_time_ms ${p.logAppendTimeMs} not in [${before}, ${afterTs}]`);
  const f = await fetchPartition(c, topic, 0, 0);
  const stored = splitBatches(f.records).batches[0]!;
  assert.equal(stored.maxTimestamp, p.logAppendTimeMs);
  assert.equal(stored.attributes & 0x08, 0x08, 'the timestamp type bit says LogAppendTime');
  // A CreateTime topic answers -1.
  const createTime = uniqueTopic('create-time');
  await createTopic(c, createTime, 1);
  assert.equal((await produce(c, createTime, 0, buildSimpleBatch(1))).logAppendTimeMs, -1);
});

test('record sets Kafka refuses as INVALID_RECORD: none, two batches, a non-zero base offset, a control batch, a count that does not match', async () => {
  const topic = uniqueTopic('invalid');
  await createTopic(c, topic, 1);
  const withOffset = buildSimpleBatch(2, { baseOffset: 7 });
  const control = buildSimpleBatch(1, { control: true });
  fixCrc(control);
  const miscounted = buildSimpleBatch(3, { recordCount: 5 });
  fixCrc(miscounted);
  const cases: [string, Buffer][] = [
    ['no bytes', Buffer.alloc(0)],
    ['two batches', Buffer.concat([buildSimpleBatch(1), buildSimpleBatch(2)])],
    ['base offset 7', withOffset],
    ['a control batch', control],
    ['5 records claimed, 3 offsets', miscounted],
  ];
  for (const [what, records] of cases) {
    const p = await produce(c, topic, 0, records);
    assertError(p.errorCode, ErrorCode.INVALID_RECORD, what);
    assert.equal(p.baseOffset, -1, what);
  }
  assert.equal(await latestOffset(topic, 0), 0, 'nothing was appended');
  assert.equal((await produce(c, topic, 0, buildSimpleBatch(1))).baseOffset, 0);
});
