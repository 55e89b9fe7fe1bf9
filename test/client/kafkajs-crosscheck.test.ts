// The client against another client's bytes: kafkajs 2.2.4 creates a topic
// and produces keyed, headered, timestamped and gzip-compressed messages;
// our client describes the topic and decodes every record where kafkajs
// put it. The other way round, kafkajs's own Fetch decoder reads what our
// producer wrote (idempotent, compressed). Keys land on the same partitions.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import kafkajs, { type Kafka, type Message } from 'kafkajs';
import { partitionForKey, type ConsumedRecord, type KafkaClient } from '../../src/client/index.js';
import { uniqueTopic, useBrokerAndKafkaClient, type ClientFixture } from './support.js';

const { CompressionTypes, Kafka: KafkajsKafka, logLevel, Partitioners } = kafkajs;
const require = createRequire(import.meta.url);

let f: ClientFixture;
let kafka: Kafka;
useBrokerAndKafkaClient((fixture) => {
  f = fixture;
  kafka = new KafkajsKafka({ clientId: 'crosscheck', brokers: [fixture.broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
});

async function readAll(client: KafkaClient, topic: string, partition: number): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  let offset = 0;
  for (;;) {
    const res = await client.fetch(topic, partition, offset);
    out.push(...res.records);
    if (res.nextOffset >= res.highWatermark) return out;
    offset = res.nextOffset;
  }
}

test('records kafkajs produced decode with our client, on the partitions kafkajs chose', async () => {
  const topic = uniqueTopic('kafkajs-made');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true });
  await admin.disconnect();

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const base = Date.now() - 10_000;
  const plain: Message[] = Array.from({ length: 12 }, (_, i) => ({
    key: `key-${i}`, value: `value-${i}`, timestamp: String(base + i), headers: { n: String(i), bin: Buffer.from([i, 255]) },
  }));
  const zipped: Message[] = Array.from({ length: 12 }, (_, i) => ({ key: `zkey-${i}`, value: `zipped-${i}-`.repeat(10), timestamp: String(base + 100 + i) }));
  const meta = [
    ...await producer.send({ topic, messages: plain }),
    ...await producer.send({ topic, messages: zipped, compression: CompressionTypes.GZIP }),
    ...await producer.send({ topic, messages: [{ key: null, value: null, partition: 1, timestamp: String(base + 500) }] }),
  ];
  await producer.disconnect();
  assert.ok(meta.every((m) => m.errorCode === 0));

  const d = await f.client.describeTopic(topic);
  assert.equal(d?.partitions, 3);
  assert.equal(d?.configs?.['retention.ms'], '3600000');

  const read = (await Promise.all([0, 1, 2].map((p) => readAll(f.client, topic, p)))).flat();
  assert.equal(read.length, 25);
  for (const [i, m] of [...plain, ...zipped].entries()) {
    const key = String(m.key);
    const r = read.find((x) => x.key?.toString() === key);
    assert.ok(r, `record with key ${key} read back`);
    assert.equal(r.partition, partitionForKey(Buffer.from(key), 3), `${key}: kafkajs's partition is ours`);
    assert.equal(r.value?.toString(), String(m.value));
    assert.equal(r.timestamp, Number(m.timestamp));
    if (i < plain.length) assert.deepEqual(r.headers, [['n', Buffer.from(String(i))], ['bin', Buffer.from([i, 255])]]);
    else assert.deepEqual(r.headers, []);
  }
  const tomb = read.find((x) => x.key === null);
  assert.deepEqual([tomb?.partition, tomb?.value, tomb?.timestamp], [1, null, base + 500]);
  // Offsets within each partition are dense and in order.
  for (const p of [0, 1, 2]) {
    const offsets = read.filter((x) => x.partition === p).map((x) => x.offset);
    assert.deepEqual(offsets, offsets.map((_, i) => i));
  }
});

interface KafkajsMessage { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }
interface KafkajsBroker {
  fetch(req: Record<string, unknown>): Promise<{ responses: { partitions: { errorCode: number; messages: KafkajsMessage[] }[] }[] }>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string }): Promise<KafkajsBroker>;
}

test('kafkajs decodes what our idempotent, compressed producer wrote', async () => {
  const topic = uniqueTopic('ours-for-kafkajs');
  await f.client.createTopic(topic, { partitions: 1 });
  const producer = f.client.producer({ compression: 'gzip' });
  const ts = Date.now() - 5000;
  await producer.send(topic, Array.from({ length: 5 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: ts + i, headers: [['h', Buffer.from(`x${i}`)]] as [string, Buffer][] })));
  await producer.send(topic, [{ key: null, value: Buffer.from('last'), timestamp: ts + 9 }]);

  // kafkajs's Cluster and Broker are internal (no types): built as its Kafka class builds them.
  const Cluster = require('kafkajs/src/cluster') as new (opts: Record<string, unknown>) => KafkajsCluster;
  const { createLogger, LEVELS } = require('kafkajs/src/loggers') as { createLogger: (o: Record<string, unknown>) => unknown; LEVELS: { NOTHING: number } };
  const socketFactory = (require('kafkajs/src/network/socketFactory') as () => unknown)();
  const cluster = new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }), socketFactory, brokers: [f.broker.bootstrap],
    clientId: 'crosscheck-fetch', connectionTimeout: 3000, requestTimeout: 10_000, enforceRequestTimeout: true, metadataMaxAge: 300_000,
    retry: { retries: 2 }, allowAutoTopicCreation: false, maxInFlightRequests: null, isolationLevel: 1,
  });
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const leader = Object.keys(cluster.findLeaderForPartitions(topic, [0]))[0]!;
    const broker = await cluster.findBroker({ nodeId: leader });
    const res = await broker.fetch({ maxWaitTime: 100, isolationLevel: 1, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }] });
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0);
    assert.deepEqual(p.messages.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString(), Number(m.timestamp)]), [
      ['0', 'k0', 'v0', ts], ['1', 'k1', 'v1', ts + 1], ['2', 'k2', 'v2', ts + 2], ['3', 'k3', 'v3', ts + 3], ['4', 'k4', 'v4', ts + 4], ['5', null, 'last', ts + 9],
    ]);
    assert.deepEqual(p.messages[3]!.headers, { h: Buffer.from('x3') });
  } finally {
    await cluster.disconnect();
  }
});

test('murmur2 partitions agree with kafkajs\'s Java-compatible default partitioner', () => {
  const partitioner = Partitioners.DefaultPartitioner();
  for (const partitions of [1, 3, 7, 64]) {
    const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    for (let i = 0; i < 300; i++) {
      const key = Buffer.from(i % 3 === 0 ? `k${i}` : `a longer key number ${i} ${'x'.repeat(i % 17)}`);
      assert.equal(partitionForKey(key, partitions), partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }), `key ${key.toString()}`);
    }
  }
});
