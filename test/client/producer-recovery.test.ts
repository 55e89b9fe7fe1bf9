// The idempotent producer when the broker's view of it changes: fenced by a
// newer epoch of its producer id, or after a batch that was refused for good,
// it takes a new producer id and carries on, without losing or repeating
// what it was asked to send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, type KafkaClient } from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { readBatchHeader } from '../../src/protocol/records/batch.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { WireClient } from '../helpers/wire-client.js';
import { fetchPartition, splitBatches } from '../integration/support.js';
import { rejectsWith, uniqueTopic, useBrokerAndKafkaClient, type ClientFixture } from './support.js';

let f: ClientFixture;
let client: KafkaClient;
useBrokerAndKafkaClient((fixture) => { f = fixture; client = fixture.client; });

async function storedBatches(topic: string): Promise<{ producerId: number; producerEpoch: number; baseSequence: number }[]> {
  const w = await WireClient.connect(f.broker.host, f.broker.port);
  try {
    const p = await fetchPartition(w, topic, 0, 0);
    return splitBatches(p.records).batches.map((b) => readBatchHeader(b.bytes, 0));
  } finally {
    w.close();
  }
}

test('fenced by a newer epoch of its producer id, the producer takes a new id and sends on', async () => {
  const topic = uniqueTopic('fenced');
  await client.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  await producer.send(topic, [{ key: null, value: Buffer.from('r0') }, { key: null, value: Buffer.from('r1') }]);
  const [mine] = await storedBatches(topic);
  assert.ok(mine!.producerId >= 0);

  // Someone else writes with the same producer id and a newer epoch: ours is fenced.
  const w = await WireClient.connect(f.broker.host, f.broker.port);
  const res = await w.request(ApiKey.Produce, 9, {
    acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch([{ key: null, value: 'zombie', timestamp: Date.now() }], {
      producerId: mine!.producerId, producerEpoch: mine!.producerEpoch + 1, baseSequence: 0,
    }) }] }],
  });
  w.close();
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);

  const [after] = await producer.send(topic, [{ key: null, value: Buffer.from('r2') }]);
  assert.equal(after!.offset, 3);
  const batches = await storedBatches(topic);
  assert.equal(batches.length, 3);
  assert.notEqual(batches[2]!.producerId, mine!.producerId, 'a new producer id');
  assert.equal(batches[2]!.baseSequence, 0, 'whose sequences start over');
  assert.deepEqual((await client.fetch(topic, 0, 0)).records.map((r) => r.value?.toString()), ['r0', 'r1', 'zombie', 'r2']);
});

test('after a batch refused for good, the next ones still go through', async () => {
  const topic = uniqueTopic('refused');
  await client.createTopic(topic, { partitions: 1, configs: { 'max.message.bytes': '2000' } });
  const producer = client.producer();
  await producer.send(topic, [{ key: null, value: Buffer.from('small-0') }]);
  const err = await rejectsWith(producer.send(topic, [{ key: null, value: Buffer.alloc(5000, 1) }]), ErrorCode.MESSAGE_TOO_LARGE, new RegExp(`Produce to ${topic}-0 failed with MESSAGE_TOO_LARGE`));
  assert.equal(err.retriable, false);
  // The refused batch used up a sequence number; the producer must not leave a gap behind it.
  const sent = await producer.send(topic, [{ key: null, value: Buffer.from('small-1') }, { key: null, value: Buffer.from('small-2') }]);
  assert.deepEqual(sent.map((s) => s.offset), [1, 2]);
  assert.deepEqual((await client.fetch(topic, 0, 0)).records.map((r) => r.value?.toString()), ['small-0', 'small-1', 'small-2']);
});
