// kafkajs 2.2.4 against the embedded broker: admin (create/describe/offsets/configs/delete),
// producer (keys, string and Buffer headers, explicit partitions and by key, acks -1 and 1,
// sendBatch across topics), and reading back through kafkajs's own Broker.fetch and record
// decoders (kafkajs/src/cluster, reachable from the package as is), compared byte for byte
// with what was sent. kafkajs's Consumer, with a group, is tested too. These tests also pass against Apache Kafka 4.1.1
// (TRIBUTARY_TEST_BOOTSTRAP=127.0.0.1:19092 with compat/kafka-server/start.sh).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin, type IHeaders, type Kafka, type Message, type PartitionMetadata, type RecordMetadata } from 'kafkajs';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { uniqueTopic } from './clients.js';

// kafkajs is CommonJS; Node sees only some of its exports as named ones.
const { CompressionTypes, ConfigResourceTypes, Kafka: KafkaClient, logLevel, Partitioners } = kafkajs;
const require = createRequire(import.meta.url);

// kafkajs's Cluster and Broker are internal (no types); this is the part the test uses.
interface FetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  magicByte: number;
}
interface KafkajsBroker {
  fetch(req: {
    maxWaitTime?: number; minBytes?: number; maxBytes?: number; isolationLevel?: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; messages: FetchedMessage[] }[] }[] }>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string }): Promise<KafkajsBroker>;
}

/** A Cluster built from kafkajs's own modules, as its Kafka class builds one for a consumer. */
function kafkajsCluster(bootstrap: string): KafkajsCluster {
  const Cluster = require('kafkajs/src/cluster') as new (opts: Record<string, unknown>) => KafkajsCluster;
  const { createLogger, LEVELS } = require('kafkajs/src/loggers') as {
    createLogger: (o: { level: number; logCreator: () => () => void }) => unknown; LEVELS: { NOTHING: number };
  };
  const socketFactory = (require('kafkajs/src/network/socketFactory') as () => unknown)();
  return new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
    socketFactory, brokers: [bootstrap], clientId: 'tributary-compat-kafkajs-fetch', connectionTimeout: 3000,
    requestTimeout: 10_000, enforceRequestTimeout: true, metadataMaxAge: 300_000, retry: { retries: 2 },
    allowAutoTopicCreation: false, maxInFlightRequests: null, isolationLevel: 1,
  });
}

/** Every record of one partition from offset 0, through kafkajs's Broker.fetch (Fetch v11) and its decoders. */
async function fetchAll(cluster: KafkajsCluster, topic: string, partition: number, expectCount: number): Promise<FetchedMessage[]> {
  await cluster.addTargetTopic(topic);
  const leader = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0];
  assert.ok(leader !== undefined, `no leader for ${topic}/${partition}`);
  const broker = await cluster.findBroker({ nodeId: leader });
  const out: FetchedMessage[] = [];
  for (let round = 0; round < 10 && out.length < expectCount; round++) {
    const next = out.length === 0 ? 0 : Number(out[out.length - 1]!.offset) + 1;
    const res = await broker.fetch({
      maxWaitTime: 100, isolationLevel: 1,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(next), maxBytes: 1 << 20 }] }],
    });
    const p = res.responses[0]?.partitions[0];
    assert.ok(p, `fetch ${topic}/${partition}: no partition in the response ${JSON.stringify(res)}`);
    assert.equal(p.errorCode, 0, `fetch ${topic}/${partition}: error code`);
    out.push(...p.messages.filter((m) => Number(m.offset) >= next));
  }
  return out;
}

interface Sent { topic: string; partition: number; offset: number; message: Message }

const toBuf = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/** The sent headers in the shape kafkajs decodes them to: Buffers, repeated keys as arrays. */
function expectedHeaders(h: IHeaders | undefined): Record<string, Buffer | Buffer[]> {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(toBuf) : toBuf(v);
  }
  return out;
}

let broker: EmbeddedBroker;
let kafka: Kafka;
let admin: Admin;
const topicA = uniqueTopic('kafkajs-a');
const topicB = uniqueTopic('kafkajs-b');
const base = Date.now() - 60_000;
let ts = 0;
/** Explicit CreateTime timestamps, one second apart, so offsets-by-timestamp has one right answer. */
const nextTs = (): string => String(base + 1000 * ts++);
const sent: Sent[] = [];

/** Where kafkajs's default partitioner sends a keyed message (what the producer itself calls). */
function partitionFor(topic: string, message: Message, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1],
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message });
}

/** Records what a send wrote: kafkajs keeps message order within a partition, so offsets follow baseOffset. */
function record(topic: string, messages: Message[], partitions: number, meta: RecordMetadata[]): void {
  const byPartition = new Map<number, Message[]>();
  for (const m of messages) {
    const p = m.partition ?? partitionFor(topic, m, partitions);
    byPartition.set(p, [...(byPartition.get(p) ?? []), m]);
  }
  const mine = meta.filter((r) => r.topicName === topic);
  assert.deepEqual(mine.map((r) => r.partition).sort(), [...byPartition.keys()].sort(), `${topic}: partitions in the produce result`);
  for (const r of mine) {
    assert.equal(r.errorCode, 0, `${topic}/${r.partition}: produce error code`);
    const baseOffset = Number(r.baseOffset);
    byPartition.get(r.partition)!.forEach((message, i) => sent.push({ topic, partition: r.partition, offset: baseOffset + i, message }));
  }
}

before(async () => {
  broker = await startEmbeddedBroker();
  kafka = new KafkaClient({ clientId: 'tributary-compat-kafkajs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

describe('kafkajs 2.2.4', () => {
  it('admin creates topics (3 partitions; one with a config) and describes them', async () => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topicA, numPartitions: 3, replicationFactor: 1 },
        { topic: topicB, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      ],
    });
    assert.equal(created, true);
    assert.equal(await admin.createTopics({ topics: [{ topic: topicA, numPartitions: 3 }] }), false, 'creating an existing topic reports false');

    const md = await admin.fetchTopicMetadata({ topics: [topicA, topicB] });
    const a = md.topics.find((t) => t.name === topicA);
    assert.ok(a, `no ${topicA} in ${JSON.stringify(md)}`);
    assert.deepEqual(a.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
    for (const p of a.partitions) {
      assert.equal(p.partitionErrorCode, 0);
      assert.ok(p.leader >= 0, `partition ${p.partitionId} has leader ${p.leader}`);
      assert.deepEqual(p.replicas, [p.leader]);
      assert.deepEqual(p.isr, [p.leader]);
    }
    assert.equal(md.topics.find((t) => t.name === topicB)?.partitions.length, 1);
    assert.ok((await admin.listTopics()).includes(topicA));
  });

  it('describeCluster names this broker', async () => {
    const c = await admin.describeCluster();
    assert.equal(c.brokers.length, 1);
    assert.equal(c.brokers[0]!.port, broker.port);
    assert.equal(c.brokers[0]!.host, broker.host);
    assert.equal(c.controller, c.brokers[0]!.nodeId);
    assert.match(c.clusterId, /^[A-Za-z0-9_-]{22}$/);
  });

  it('describeConfigs returns topic configs, defaults and overrides', async () => {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topicA, configNames: ['cleanup.policy', 'retention.ms'] },
        { type: ConfigResourceTypes.TOPIC, name: topicB, configNames: ['retention.ms'] },
      ],
    });
    const a = res.resources.find((r) => r.resourceName === topicA);
    const b = res.resources.find((r) => r.resourceName === topicB);
    assert.equal(a?.errorCode, 0);
    const entry = (r: (typeof res.resources)[number] | undefined, n: string) => r?.configEntries.find((e) => e.configName === n);
    assert.equal(entry(a, 'cleanup.policy')?.configValue, 'delete');
    assert.equal(entry(a, 'retention.ms')?.configValue, '604800000');
    assert.equal(a?.configEntries.length, 2, 'only the names asked for');
    assert.equal(entry(b, 'retention.ms')?.configValue, '3600000');
    assert.equal(entry(b, 'retention.ms')?.isDefault, false);
  });

  it('producer sends keys, string and Buffer headers, to explicit partitions and by key, acks -1 and 1', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const explicit: Message[] = [
        { partition: 0, key: 'explicit-0', value: 'v0', timestamp: nextTs(), headers: { 'h-str': 'text', 'h-buf': Buffer.from([0, 1, 2, 0xff]) } },
        { partition: 1, key: Buffer.from([0xde, 0xad, 0xbe, 0xef]), value: Buffer.from([0, 0, 0]), timestamp: nextTs() },
        { partition: 2, key: null, value: 'no key', timestamp: nextTs() },
        { partition: 2, key: 'tombstone', value: null, timestamp: nextTs() },
      ];
      record(topicA, explicit, 3, await producer.send({ topic: topicA, acks: -1, messages: explicit }));

      // kafkajs's default partitioner puts alice on 0, dave on 1, carol on 2 (of 3).
      const byKey: Message[] = [
        { key: 'alice', value: 'a', timestamp: nextTs(), headers: { source: 'by-key' } },
        { key: 'dave', value: 'b', timestamp: nextTs() },
        { key: 'alice', value: 'c', timestamp: nextTs() },
        { key: 'carol', value: 'ü 🙂 utf-8', timestamp: nextTs(), headers: { multi: ['x', Buffer.from('y')] } },
      ];
      assert.deepEqual(byKey.map((m) => partitionFor(topicA, m, 3)), [0, 1, 0, 2]);
      record(topicA, byKey, 3, await producer.send({ topic: topicA, acks: -1, messages: byKey }));

      const acks1: Message[] = [
        { key: 'dave', value: 'd', timestamp: nextTs() },
        { partition: 0, key: 'explicit-0', value: 'v1', timestamp: nextTs(), headers: { 'h-str': '' } },
      ];
      record(topicA, acks1, 3, await producer.send({ topic: topicA, acks: 1, messages: acks1 }));

      const batchA: Message[] = [{ partition: 1, key: 'batch-a', value: 'x'.repeat(3000), timestamp: nextTs() }];
      const batchB: Message[] = [
        { key: 'batch-b-1', value: 'y', timestamp: nextTs() },
        { key: 'batch-b-2', value: Buffer.alloc(0), timestamp: nextTs(), headers: { empty: Buffer.alloc(0) } },
      ];
      const meta = await producer.sendBatch({ acks: -1, topicMessages: [{ topic: topicA, messages: batchA }, { topic: topicB, messages: batchB }] });
      record(topicA, batchA, 3, meta);
      record(topicB, batchB, 1, meta);

      // A gzip batch: stored as sent, decompressed by kafkajs on fetch.
      const gz: Message[] = [0, 1, 2].map((i) => ({ key: `gz-${i}`, value: 'z'.repeat(2000 + i), timestamp: nextTs(), headers: { codec: 'gzip' } }));
      record(topicB, gz, 1, await producer.send({ topic: topicB, acks: -1, compression: CompressionTypes.GZIP, messages: gz }));
    } finally {
      await producer.disconnect();
    }
    // In the order sent (timestamps increase with it): where each record landed.
    assert.deepEqual(sent.filter((s) => s.topic === topicA).sort((x, y) => Number(x.message.timestamp) - Number(y.message.timestamp))
      .map((s) => `${s.partition}@${s.offset}`),
    ['0@0', '1@0', '2@0', '2@1', '0@1', '1@1', '0@2', '2@2', '1@2', '0@3', '1@3']);
  });

  it('fetchTopicOffsets and fetchTopicOffsetsByTimestamp agree with what was produced', async () => {
    assert.ok(sent.length > 0, 'the produce test did not run');
    const offsets = await admin.fetchTopicOffsets(topicA);
    for (const p of [0, 1, 2]) {
      const n = sent.filter((s) => s.topic === topicA && s.partition === p).length;
      const o = offsets.find((x) => x.partition === p);
      assert.deepEqual({ low: o?.low, high: o?.high, offset: o?.offset }, { low: '0', high: String(n), offset: String(n) }, `partition ${p}`);
    }
    // The first offset whose timestamp is at or after the target; the high watermark when none is.
    const target = base + 1000 * 5 + 500;
    const byTs = await admin.fetchTopicOffsetsByTimestamp(topicA, target);
    for (const p of [0, 1, 2]) {
      const inP = sent.filter((s) => s.topic === topicA && s.partition === p).sort((x, y) => x.offset - y.offset);
      const hit = inP.find((s) => Number(s.message.timestamp) >= target);
      assert.equal(byTs.find((x) => x.partition === p)?.offset, String(hit ? hit.offset : inP.length), `partition ${p} at ${target}`);
    }
    const future = await admin.fetchTopicOffsetsByTimestamp(topicB, Date.now() + 3_600_000);
    assert.equal(future[0]?.offset, String(sent.filter((s) => s.topic === topicB).length));
  });

  it("kafkajs's Broker.fetch reads every record back: keys, values, headers, timestamps and offsets byte for byte", async () => {
    assert.ok(sent.length > 0, 'the produce test did not run');
    const cluster = kafkajsCluster(broker.bootstrap);
    await cluster.connect();
    try {
      for (const [topic, partitions] of [[topicA, 3], [topicB, 1]] as const) {
        for (let p = 0; p < partitions; p++) {
          const want = sent.filter((s) => s.topic === topic && s.partition === p).sort((x, y) => x.offset - y.offset);
          const got = await fetchAll(cluster, topic, p, want.length);
          assert.equal(got.length, want.length, `${topic}/${p}: record count`);
          want.forEach((w, i) => {
            const g = got[i]!;
            const at = `${topic}/${p} offset ${w.offset}`;
            assert.equal(g.magicByte, 2, at);
            assert.equal(g.offset, String(w.offset), `${at}: offset`);
            assert.equal(g.timestamp, w.message.timestamp, `${at}: timestamp`);
            const key = w.message.key === undefined || w.message.key === null ? null : toBuf(w.message.key);
            assert.deepEqual(g.key, key, `${at}: key`);
            const value = w.message.value === null ? null : toBuf(w.message.value);
            assert.deepEqual(g.value, value, `${at}: value`);
            assert.deepEqual(g.headers, expectedHeaders(w.message.headers), `${at}: headers`);
          });
        }
      }
    } finally {
      await cluster.disconnect();
    }
  });

  it('deleteTopics removes both topics', async () => {
    await admin.deleteTopics({ topics: [topicA, topicB], timeout: 5000 });
    const topics = await admin.listTopics();
    assert.ok(!topics.includes(topicA) && !topics.includes(topicB), `still listed: ${topics.join(', ')}`);
    await assert.rejects(admin.fetchTopicMetadata({ topics: [topicA] }), /does not host this topic-partition|UNKNOWN_TOPIC/i);
  });

  it('Consumer.run with a group reads what was produced', { timeout: 20000 }, async () => {
    const topic = uniqueTopic('kafkajs-group');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'g1', value: 'one' }, { key: 'g2', value: 'two' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 100 } });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of 2 within 6 s`)), 6000);
        consumer.on(consumer.events.CRASH, (e) => { clearTimeout(timer); reject(e.payload.error); });
        consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(`${message.key?.toString()}=${message.value?.toString()}`);
            if (seen.length === 2) { clearTimeout(timer); resolve(); }
          },
        }).catch(reject);
      });
      assert.deepEqual(seen, ['g1=one', 'g2=two']);
    } finally {
      await consumer.disconnect();
    }
  });
});
