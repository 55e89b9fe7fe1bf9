// The client's produce and fetch against a real listener: records come back
// with their keys, headers and timestamps, in every compression codec, keyed
// records land where Java's partitioner puts them, and a topic is usable the
// moment createTopic returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer } from 'node:net';
import { ErrorCode, KafkaClient, partitionForKey } from '../../src/client/index.js';
import { rejectsWith, uniqueTopic, useBrokerAndKafkaClient } from './support.js';

let client: KafkaClient;
useBrokerAndKafkaClient((f) => { client = f.client; });

test('records round-trip with keys, null values, headers and timestamps', async () => {
  const topic = uniqueTopic('client-roundtrip');
  await client.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  // Recent: a batch much older than segment.ms rolls a new segment, and a fetch reads one segment at a time (as Kafka's does).
  const t0 = Date.now() - 60_000;
  const sent = await producer.send(topic, [
    { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [['h1', Buffer.from('x')], ['h2', null]], timestamp: t0 },
    { key: null, value: Buffer.from('v2'), timestamp: t0 + 5, partition: 0 },
    { key: Buffer.from('k3'), value: null, timestamp: t0 - 3 },
  ]);
  assert.deepEqual(sent, [{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }, { partition: 0, offset: 2 }]);
  const more = await producer.send(topic, [{ key: Buffer.from('k4'), value: Buffer.alloc(0) }]);
  assert.deepEqual(more, [{ partition: 0, offset: 3 }]);

  const res = await client.fetch(topic, 0, 0);
  assert.equal(res.highWatermark, 4);
  assert.equal(res.logStartOffset, 0);
  assert.equal(res.nextOffset, 4);
  assert.deepEqual(res.records.map((r) => [r.topic, r.partition, r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null]), [
    [topic, 0, 0, t0, 'k1', 'v1'],
    [topic, 0, 1, t0 + 5, null, 'v2'],
    [topic, 0, 2, t0 - 3, 'k3', null],
    [topic, 0, 3, res.records[3]!.timestamp, 'k4', ''],
  ]);
  assert.deepEqual(res.records[0]!.headers, [['h1', Buffer.from('x')], ['h2', null]]);
  assert.deepEqual(res.records[1]!.headers, []);
  assert.ok(Math.abs(res.records[3]!.timestamp - Date.now()) < 60_000, 'a record without a timestamp gets the time of sending');

  const committed = await client.fetch(topic, 0, 0, { isolation: 'read_committed' });
  assert.deepEqual(committed.records.map((r) => r.offset), [0, 1, 2, 3], 'no transactions: read_committed sees everything');
  // From the middle of a batch: only the records at or after the offset.
  const mid = await client.fetch(topic, 0, 1);
  assert.deepEqual(mid.records.map((r) => r.offset), [1, 2, 3]);
  // At the end: nothing, and the next offset stays put.
  const end = await client.fetch(topic, 0, 4);
  assert.deepEqual(end.records, []);
  assert.equal(end.nextOffset, 4);
  assert.equal(await client.listOffsets(topic, 0, 'earliest'), 0);
  assert.equal(await client.listOffsets(topic, 0, 'latest'), 4);
  assert.equal(await client.listOffsets(topic, 0, t0 + 1), 1, 'the first record with a timestamp at or after t0+1');
});

for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
  test(`${compression} batches are read back record by record`, async () => {
    const topic = uniqueTopic(`client-${compression}`);
    await client.createTopic(topic, { partitions: 1 });
    const producer = client.producer({ compression });
    const records = Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}-`.repeat(20)), partition: 0 }));
    await producer.send(topic, records.slice(0, 30));
    await producer.send(topic, records.slice(30));
    const res = await client.fetch(topic, 0, 0);
    assert.equal(res.records.length, 50);
    res.records.forEach((r, i) => {
      assert.equal(r.offset, i);
      assert.equal(r.key?.toString(), `key-${i}`);
      assert.equal(r.value?.toString(), `value-${i}-`.repeat(20));
    });
    // Starting inside the second compressed batch: the earlier records of that batch are dropped.
    const tail = await client.fetch(topic, 0, 41);
    assert.deepEqual(tail.records.map((r) => r.offset), Array.from({ length: 9 }, (_, i) => 41 + i));
  });
}

test('keyed records go to murmur2(key) % partitions; keyless ones stick to one partition per send', async () => {
  const topic = uniqueTopic('client-partitioner');
  await client.createTopic(topic, { partitions: 5 });
  const producer = client.producer();
  const keys = Array.from({ length: 40 }, (_, i) => Buffer.from(`user-${i}`));
  const sent = await producer.send(topic, keys.map((key) => ({ key, value: key })));
  sent.forEach((s, i) => assert.equal(s.partition, partitionForKey(keys[i]!, 5)));
  const keyless = await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`n${i}`) })));
  assert.equal(new Set(keyless.map((s) => s.partition)).size, 1);
  const next = await producer.send(topic, [{ key: null, value: Buffer.from('again') }]);
  assert.equal(next[0]!.partition, (keyless[0]!.partition + 1) % 5, 'the next send moves to the next partition');
  // Every record is where the producer said it was.
  for (let p = 0; p < 5; p++) {
    const res = await client.fetch(topic, p, 0);
    const expected = [...sent, ...keyless, ...next].filter((s) => s.partition === p).map((s) => s.offset).sort((a, b) => a - b);
    assert.deepEqual(res.records.map((r) => r.offset), expected);
  }
});

test('a topic is usable right after createTopic, and describeTopic and deleteTopic see it', async () => {
  const topic = uniqueTopic('client-fresh');
  await client.createTopic(topic, { partitions: 3, configs: { 'cleanup.policy': 'compact' } });
  const [r] = await client.producer().send(topic, [{ key: Buffer.from('a'), value: Buffer.from('b'), partition: 2 }]);
  assert.deepEqual(r, { partition: 2, offset: 0 });
  const d = await client.describeTopic(topic);
  assert.ok(d !== null);
  assert.equal(d.name, topic);
  assert.equal(d.partitions, 3);
  assert.match(d.topicId, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(d.configs?.['cleanup.policy'], 'compact');
  await client.createTopic(topic, { partitions: 1, ifNotExists: true });
  // Without a partition count, the broker's num.partitions (1 here).
  const byDefault = uniqueTopic('client-default-partitions');
  await client.createTopic(byDefault);
  assert.equal((await client.describeTopic(byDefault))?.partitions, 1);
  await rejectsWith(client.createTopic(topic), ErrorCode.TOPIC_ALREADY_EXISTS, new RegExp(`CreateTopics ${topic}.*TOPIC_ALREADY_EXISTS`));
  await client.deleteTopic(topic);
  assert.equal(await client.describeTopic(topic), null);
  await rejectsWith(client.deleteTopic(topic), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /does not exist/);
});

test('acks=1 and acks=0 producers write too', async () => {
  const topic = uniqueTopic('client-acks');
  await client.createTopic(topic, { partitions: 1 });
  assert.deepEqual(await client.producer({ acks: 1 }).send(topic, [{ key: null, value: Buffer.from('one') }]), [{ partition: 0, offset: 0 }]);
  const p0 = client.producer({ acks: 0 });
  assert.deepEqual(await p0.send(topic, [{ key: null, value: Buffer.from('zero') }]), [{ partition: 0, offset: -1 }]);
  await p0.flush();
  // acks=0 has no answer to wait for: poll until the record is there.
  let res = await client.fetch(topic, 0, 0);
  for (let i = 0; i < 50 && res.records.length < 2; i++) res = await client.fetch(topic, 0, 0, { maxWaitMs: 100 });
  assert.deepEqual(res.records.map((r) => r.value?.toString()), ['one', 'zero']);
  assert.throws(() => client.producer({ acks: 1, idempotent: true }), /idempotent producer needs acks=-1/);
});

test('sends not awaited keep their call order per partition, and flush waits for every one', async () => {
  const topic = uniqueTopic('client-order');
  await client.createTopic(topic, { partitions: 2 });
  const producer = client.producer({ compression: 'lz4' });
  const settled: number[] = [];
  // The first send also fetches the topic's metadata: later ones must not overtake it.
  for (let i = 0; i < 40; i++) {
    void producer.send(topic, [{ key: null, value: Buffer.from(`m${i}`), partition: i % 2 }]).then(() => settled.push(i));
  }
  await producer.flush();
  assert.equal(settled.length, 40, 'flush resolved after every send');
  for (const p of [0, 1]) {
    const res = await client.fetch(topic, p, 0);
    assert.deepEqual(res.records.map((r) => r.value?.toString()), Array.from({ length: 20 }, (_, n) => `m${2 * n + p}`));
  }
  await producer.close();
  await rejectsWith(producer.send(topic, [{ key: null, value: null }]), ErrorCode.NETWORK_EXCEPTION, new RegExp(`Produce to ${topic}: the producer is closed`));
});

test('large records: a response of many socket reads decodes whole', async () => {
  const topic = uniqueTopic('client-large');
  await client.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  const big = (i: number): Buffer => Buffer.alloc(900_000, i + 1);
  for (let i = 0; i < 4; i++) await producer.send(topic, [{ key: Buffer.from(`big-${i}`), value: big(i) }]);
  const res = await client.fetch(topic, 0, 0, { maxBytes: 8 * 1024 * 1024 });
  assert.equal(res.records.length, 4);
  res.records.forEach((r, i) => assert.ok(r.value?.equals(big(i)), `record ${i}`));
  // With a smaller maxBytes, at least one whole batch still comes back (KIP-74).
  const one = await client.fetch(topic, 0, 1, { maxBytes: 1000 });
  assert.deepEqual(one.records.map((r) => r.key?.toString()), ['big-1']);
  assert.equal(one.nextOffset, 2);
});

test('fetch waits up to maxWaitMs for new records', async () => {
  const topic = uniqueTopic('client-longpoll');
  await client.createTopic(topic, { partitions: 1 });
  const started = Date.now();
  const pending = client.fetch(topic, 0, 0, { maxWaitMs: 5000 });
  setTimeout(() => { void client.producer().send(topic, [{ key: null, value: Buffer.from('late') }]); }, 200);
  const res = await pending;
  assert.deepEqual(res.records.map((r) => r.value?.toString()), ['late']);
  assert.ok(Date.now() - started < 4000, 'answered when the record arrived, not at maxWaitMs');
});

test('bad inputs are KafkaClientErrors that say what is wrong', async () => {
  const missing = uniqueTopic('client-missing');
  await rejectsWith(client.fetch(missing, 0, 0), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, new RegExp(`Fetch ${missing}-0.*does not exist`));
  await rejectsWith(client.producer().send(missing, [{ key: null, value: null }]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, new RegExp(`Produce to ${missing}.*does not exist`));
  await rejectsWith(client.listOffsets(missing, 0, 'latest'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /does not exist/);
  assert.equal(await client.describeTopic(missing), null);

  const topic = uniqueTopic('client-bad');
  await client.createTopic(topic, { partitions: 2 });
  await rejectsWith(client.fetch(topic, 7, 0), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /has no partition 7 \(it has 2\)/);
  await rejectsWith(client.producer().send(topic, [{ key: null, value: null, partition: 2 }]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /partition 2 does not exist/);
  await rejectsWith(client.producer().send(topic, [{ key: 'text' as unknown as Buffer, value: null }]), ErrorCode.INVALID_RECORD, /record 0 has a key/);
  await rejectsWith(client.fetch(topic, 0, -5), ErrorCode.OFFSET_OUT_OF_RANGE, /invalid offset/);
  await rejectsWith(client.fetch(topic, 0, 100), ErrorCode.OFFSET_OUT_OF_RANGE, new RegExp(`Fetch ${topic}-0 at offset 100: the offset is out of range`));
  await rejectsWith(client.createTopic(topic.replace(/-/g, '/')), ErrorCode.INVALID_TOPIC_EXCEPTION, /INVALID_TOPIC_EXCEPTION/);
  await rejectsWith(client.createTopic('x', { partitions: 0 }), ErrorCode.INVALID_PARTITIONS, /partitions must be a positive integer/);
  await rejectsWith(client.fetch(topic, 0, 0, { maxBytes: 0 }), ErrorCode.INVALID_FETCH_SIZE, /invalid maxBytes 0/);
  assert.throws(() => client.producer({ compression: 'brotli' as 'gzip' }), /unknown compression brotli/);
});

test('an unreachable bootstrap broker fails connect within the request timeout', async () => {
  // A port that was just free: nothing listens there.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const started = Date.now();
  await rejectsWith(KafkaClient.connect({ bootstrap: [`127.0.0.1:${port}`], requestTimeoutMs: 500 }), ErrorCode.NETWORK_EXCEPTION, new RegExp(`^KafkaClient.connect: could not connect to 127\\.0\\.0\\.1:${port}`));
  assert.ok(Date.now() - started < 3000);
  await rejectsWith(KafkaClient.connect({ bootstrap: ['no-port'] }), ErrorCode.INVALID_REQUEST, /bootstrap entry "no-port" is not host:port/);
});
