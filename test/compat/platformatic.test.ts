// @platformatic/kafka 1.35.0 against the embedded broker: Admin creates a topic, Producer
// sends keys, values and headers (raw Buffers, and strings through its string serializers),
// to explicit partitions and by key, acks -1 and 1; then Consumer.fetch (a plain Fetch to a
// node, no group) reads the batches back, decoded by the client, compared byte for byte.
// Its group consumer is tested too. All of it
// passes against Apache Kafka 4.1.1 (TRIBUTARY_TEST_BOOTSTRAP=127.0.0.1:19092).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Admin, Consumer, Producer, ProduceAcks, defaultPartitioner, stringSerializers,
  type KafkaRecord, type MessageToProduce, type ProduceResult, type RecordsBatch,
} from '@platformatic/kafka';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { uniqueTopic } from './clients.js';

interface Expected { partition: number; offset: number; key: Buffer | null; value: Buffer | null; headers: [Buffer, Buffer][]; timestamp: bigint }

let broker: EmbeddedBroker;
let admin: Admin;
const topic = uniqueTopic('platformatic');
const sent: Expected[] = [];
const base = BigInt(Date.now() - 60_000);
let seq = 0n;
/** Explicit timestamps, one second apart, so the fetched ones can be compared exactly. */
const nextTs = (): bigint => base + 1000n * seq++;

const clientOpts = (clientId: string) => ({ clientId, bootstrapBrokers: [broker.bootstrap], retries: 1, timeout: 5000 });

/** Records what one send wrote: the client keeps message order within a partition. */
function record(messages: Expected[], result: ProduceResult): void {
  const byPartition = new Map<number, Expected[]>();
  for (const m of messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
  const offsets = result.offsets ?? [];
  assert.deepEqual(offsets.map((o) => o.partition).sort(), [...byPartition.keys()].sort(), 'partitions in the produce result');
  for (const o of offsets) {
    assert.equal(o.topic, topic);
    byPartition.get(o.partition)!.forEach((m, i) => sent.push({ ...m, offset: Number(o.offset) + i }));
  }
}

/** Where the default partitioner puts a key, as the producer computes it. */
const partitionOf = (key: Buffer): number => defaultPartitioner({ topic } as MessageToProduce, key) % 3;

before(async () => {
  broker = await startEmbeddedBroker();
  admin = new Admin(clientOpts('tributary-compat-platformatic-admin'));
});

after(async () => {
  await admin?.close();
  await broker?.stop();
});

describe('@platformatic/kafka 1.35.0', () => {
  it('Admin creates a topic with 3 partitions and sees it in metadata', async () => {
    const created = await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    assert.equal(created.length, 1);
    assert.equal(created[0]!.name, topic);
    assert.equal(created[0]!.partitions, 3);
    assert.match(created[0]!.id, /^[0-9a-f-]{36}$|^[A-Za-z0-9_-]{22}$/);
    const md = await admin.metadata({ topics: [topic] });
    const t = md.topics.get(topic);
    assert.ok(t, `no ${topic} in metadata`);
    assert.equal(t.partitionsCount, 3);
    assert.equal(t.id, created[0]!.id);
    for (const p of t.partitions) assert.ok(md.brokers.has(p.leader), `leader ${p.leader} is a known broker`);
    assert.ok((await admin.listTopics()).includes(topic));
  });

  it('Producer sends raw Buffers: keys, values, headers, explicit partitions and by key, acks -1 and 1', async () => {
    const producer = new Producer(clientOpts('tributary-compat-platformatic-raw'));
    try {
      const explicit: Expected[] = [
        { partition: 0, offset: -1, key: Buffer.from('k0'), value: Buffer.from('v0'), headers: [[Buffer.from('h1'), Buffer.from([0, 1, 0xff])]], timestamp: nextTs() },
        { partition: 1, offset: -1, key: Buffer.from([0xde, 0xad]), value: Buffer.alloc(0), headers: [], timestamp: nextTs() },
        { partition: 2, offset: -1, key: Buffer.from('k2'), value: Buffer.from('x'.repeat(5000)), headers: [[Buffer.from('a'), Buffer.from('1')], [Buffer.from('b'), Buffer.alloc(0)]], timestamp: nextTs() },
        { partition: 0, offset: -1, key: Buffer.from('k0'), value: Buffer.from('v0 again'), headers: [], timestamp: nextTs() },
      ];
      const toMessage = (m: Expected): MessageToProduce => ({
        topic, partition: m.partition, key: m.key ?? undefined, value: m.value ?? undefined, timestamp: m.timestamp,
        headers: new Map(m.headers),
      });
      record(explicit, await producer.send({ acks: ProduceAcks.ALL, messages: explicit.map(toMessage) }));

      const keys = ['alice', 'dave', 'carol', 'alice'].map((k) => Buffer.from(k));
      assert.deepEqual(keys.map(partitionOf), [0, 1, 2, 0], 'keys chosen to reach every partition');
      const byKey: Expected[] = keys.map((key, i) => ({
        partition: partitionOf(key), offset: -1, key, value: Buffer.from(`by-key-${i}`), headers: [], timestamp: nextTs(),
      }));
      const res = await producer.send({
        acks: ProduceAcks.LEADER,
        messages: byKey.map((m) => ({ topic, key: m.key!, value: m.value!, timestamp: m.timestamp })),
      });
      record(byKey, res);

      // A gzip batch: the broker validates and stores it as sent; the client decompresses on fetch.
      const gz: Expected[] = [0, 1, 2].map((i) => ({
        partition: 1, offset: -1, key: Buffer.from(`gz-${i}`), value: Buffer.from('z'.repeat(2000 + i)), headers: [[Buffer.from('codec'), Buffer.from('gzip')]], timestamp: nextTs(),
      }));
      record(gz, await producer.send({ acks: ProduceAcks.ALL, compression: 'gzip', messages: gz.map(toMessage) }));
    } finally {
      await producer.close();
    }
  });

  it('Producer with string serializers sends string keys, values and headers', async () => {
    const producer = new Producer({ ...clientOpts('tributary-compat-platformatic-str'), serializers: stringSerializers });
    try {
      const m = { partition: 1, key: 'clé', value: 'ü 🙂 utf-8', headers: { 'content-type': 'text/plain', empty: '' }, timestamp: nextTs() };
      const res = await producer.send({ acks: ProduceAcks.ALL, messages: [{ topic, ...m }] });
      record([{
        partition: 1, offset: -1, key: Buffer.from(m.key), value: Buffer.from(m.value), timestamp: m.timestamp,
        headers: Object.entries(m.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]),
      }], res);
    } finally {
      await producer.close();
    }
  });

  it('Consumer.fetch (no group) returns every record: keys, values, headers, timestamps and offsets byte for byte', async () => {
    assert.ok(sent.length > 0, 'the produce tests did not run');
    // fetch() sends Fetch to one node; no FindCoordinator or JoinGroup is involved.
    const consumer = new Consumer({ ...clientOpts('tributary-compat-platformatic-fetch'), groupId: `${topic}-unused` });
    try {
      const md = await consumer.metadata({ topics: [topic] });
      const t = md.topics.get(topic)!;
      for (let p = 0; p < 3; p++) {
        const want = sent.filter((s) => s.partition === p).sort((a, b) => a.offset - b.offset);
        const got: { batch: RecordsBatch; rec: KafkaRecord }[] = [];
        for (let round = 0; round < 10 && got.length < want.length; round++) {
          const next = got.length === 0 ? 0n : got[got.length - 1]!.batch.firstOffset + BigInt(got[got.length - 1]!.rec.offsetDelta) + 1n;
          const res = await consumer.fetch({
            node: t.partitions[p]!.leader, maxWaitTime: 100,
            topics: [{ topicId: t.id, partitions: [{ partition: p, fetchOffset: next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
          });
          assert.equal(res.errorCode, 0);
          const part = res.responses[0]?.partitions[0];
          assert.ok(part, `no partition ${p} in the fetch response`);
          assert.equal(part.errorCode, 0, `partition ${p}: fetch error code`);
          assert.equal(part.highWatermark, BigInt(want.length), `partition ${p}: high watermark`);
          for (const batch of part.records ?? []) {
            assert.equal(batch.magic, 2);
            if (batch.records.some((r) => r.key?.toString() === 'gz-0')) assert.equal(batch.attributes & 7, 1, 'the gzip batch is stored compressed');
            for (const rec of batch.records) if (batch.firstOffset + BigInt(rec.offsetDelta) >= next) got.push({ batch, rec });
          }
        }
        assert.equal(got.length, want.length, `partition ${p}: record count`);
        want.forEach((w, i) => {
          const { batch, rec } = got[i]!;
          const at = `partition ${p} offset ${w.offset}`;
          assert.equal(batch.firstOffset + BigInt(rec.offsetDelta), BigInt(w.offset), `${at}: offset`);
          assert.equal(batch.firstTimestamp + rec.timestampDelta, w.timestamp, `${at}: timestamp`);
          assert.deepEqual(rec.key, w.key, `${at}: key`);
          assert.deepEqual(rec.value, w.value, `${at}: value`);
          assert.deepEqual(rec.headers, w.headers, `${at}: headers`);
        });
      }
    } finally {
      await consumer.close();
    }
  });

  it('Admin deletes the topic', async () => {
    await admin.deleteTopics({ topics: [topic] });
    assert.ok(!(await admin.listTopics()).includes(topic));
  });

  it('Consumer.consume with a group reads what was produced', { timeout: 20000 }, async () => {
    const t = uniqueTopic('platformatic-group');
    await admin.createTopics({ topics: [t], partitions: 1, replicas: 1 });
    const producer = new Producer({ ...clientOpts('tributary-compat-platformatic-group'), serializers: stringSerializers });
    await producer.send({ messages: [{ topic: t, key: 'g1', value: 'one' }, { topic: t, key: 'g2', value: 'two' }] });
    await producer.close();
    const consumer = new Consumer({ ...clientOpts('tributary-compat-platformatic-group'), groupId: `${t}-group`, maxWaitTime: 100 });
    try {
      const stream = await consumer.consume({ topics: [t], mode: 'earliest', autocommit: false });
      const seen: string[] = [];
      for await (const m of stream) {
        seen.push(`${m.key.toString()}=${m.value.toString()}`);
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, ['g1=one', 'g2=two']);
    } finally {
      await consumer.close(true);
    }
  });
});
