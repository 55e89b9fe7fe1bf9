// kafkajs 2.2.4 consumer groups across a broker restart: a group consumer with autoCommit
// off reads the first PER_PARTITION records of every partition (K in all, of N) and commits
// last + 1 per partition with commitOffsets, the broker is stopped (SIGTERM) and restarted on
// the same data dir and a new port, then admin.fetchOffsets must return those commits and a
// new consumer in the same group must get exactly the records after them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import kafkajs, { type Kafka } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { uniqueTopic } from './clients.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

const N = 300;
const PARTITIONS = 3;
// Not a multiple of the 10-record batches: the commits and the resume fall mid-batch.
const PER_PARTITION = 33;
const K = PER_PARTITION * PARTITIONS;

interface Rec { p: number; o: number; k: string; v: string }

function client(broker: BrokerProcess): Kafka {
  return new KafkaClient({
    clientId: 'tributary-compat-kafkajs-groups', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100 },
  });
}

/**
 * Runs a group consumer until `want` records arrived (then `quietMs` more, to catch extras),
 * calls `onDone` with the consumer before stopping it, and returns the records in arrival order.
 * With `perPartition`, a partition is paused once that many of its records arrived (kafkajs
 * then drops the rest of the batch and fetches only the other partitions).
 */
async function consume(kafka: Kafka, topic: string, groupId: string, want: number, quietMs: number,
  onDone: (consumer: ReturnType<Kafka['consumer']>, recs: Rec[]) => Promise<void>, perPartition = Infinity): Promise<Rec[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 256, sessionTimeout: 10_000, retry: { retries: 5, initialRetryTime: 100 } });
  await consumer.connect();
  const recs: Rec[] = [];
  const counts = new Map<number, number>();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => reject(new Error(`consumed ${recs.length} of ${want} within 15 s`)), 15_000);
      consumer.on(consumer.events.CRASH, (e) => { clearTimeout(timer); reject(e.payload.error); });
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message, pause }) => {
          // After the first `want`, keep recording only when watching for extras.
          if (done && quietMs === 0) return;
          recs.push({ p: partition, o: Number(message.offset), k: message.key?.toString() ?? '', v: message.value?.toString() ?? '' });
          const count = (counts.get(partition) ?? 0) + 1;
          counts.set(partition, count);
          if (count === perPartition) pause();
          if (!done && recs.length === want) {
            done = true;
            clearTimeout(timer);
            setTimeout(() => { onDone(consumer, recs.slice(0, want)).then(resolve, reject); }, quietMs);
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return recs;
}

test('kafkajs group: commitOffsets, SIGTERM restart on a new port, fetchOffsets and resume from the commits', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-kjsgroups-'));
  const topic = uniqueTopic('kafkajs-groups');
  const groupId = `${topic}-group`;
  let broker: BrokerProcess | undefined;
  try {
    broker = await startBrokerProcess({ dataDir, cleanup: false });
    let kafka = client(broker);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    // Ten records per partition per batch. Each batch is larger than maxBytesPerPartition, so
    // every fetch returns one batch, of the first partition with data in kafkajs's (shuffled)
    // order, as Kafka does (KIP-74): which partitions the first K records come from is random.
    // The first consumer therefore pauses each partition after PER_PARTITION records, which
    // leaves every partition part-read whatever the shuffles were.
    for (let start = 0; start < N; start += 10 * PARTITIONS) {
      await producer.send({
        topic, acks: -1,
        messages: Array.from({ length: 10 * PARTITIONS }, (_, j) => {
          const i = start + j;
          return { key: `key-${i}`, value: `value-${i}`, partition: i % PARTITIONS };
        }),
      });
    }
    await producer.disconnect();

    const committed: Record<number, number> = {};
    const first = await consume(kafka, topic, groupId, K, 0, async (consumer, recs) => {
      for (const r of recs) committed[r.p] = Math.max(committed[r.p] ?? 0, r.o + 1);
      await consumer.commitOffsets(Object.entries(committed).map(([p, o]) => ({ topic, partition: Number(p), offset: String(o) })));
    }, PER_PARTITION);
    assert.equal(first.length, K);
    for (let p = 0; p < PARTITIONS; p++) {
      const offs = first.filter((r) => r.p === p).map((r) => r.o);
      assert.deepEqual(offs, Array.from({ length: PER_PARTITION }, (_, i) => i), `partition ${p} first read: ${offs.join(',')}`);
    }
    // Each partition committed mid-way (and mid-batch): last + 1 of what it delivered.
    const wantCommits: Record<number, number> = Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [p, PER_PARTITION]));
    assert.deepEqual(committed, wantCommits, 'commits');

    const before = broker;
    assert.equal(await broker.stop(), 0, 'SIGTERM should exit cleanly');
    broker = await startBrokerProcess({ dataDir, cleanup: false });
    assert.notEqual(broker.port, before.port, 'the restarted broker should listen on a new ephemeral port');
    kafka = client(broker);

    const admin2 = kafka.admin();
    await admin2.connect();
    try {
      const fetched = await admin2.fetchOffsets({ groupId, topics: [topic] });
      assert.equal(fetched.length, 1);
      const got = fetched[0]!.partitions.map((x) => [x.partition, Number(x.offset)]).sort((a, b) => a[0]! - b[0]!);
      const want = Array.from({ length: PARTITIONS }, (_, p) => [p, committed[p]!]);
      assert.deepEqual(got, want, 'fetchOffsets after the restart');
    } finally {
      await admin2.disconnect();
    }

    const recs = await consume(kafka, topic, groupId, N - K, 1500, async () => {});
    const perPartition = N / PARTITIONS;
    for (let p = 0; p < PARTITIONS; p++) {
      const start = committed[p]!;
      const offs = recs.filter((r) => r.p === p).map((r) => r.o);
      const want = Array.from({ length: perPartition - start }, (_, i) => start + i);
      assert.deepEqual(offs, want, `partition ${p} after the restart should be exactly ${start}..${perPartition - 1}`);
    }
    assert.equal(recs.length, N - K);
    for (const r of recs) {
      assert.equal(r.k, `key-${r.o * PARTITIONS + r.p}`);
      assert.equal(r.v, `value-${r.o * PARTITIONS + r.p}`);
    }
  } catch (e) {
    if (broker && e instanceof Error) e.message += `\n--- broker ---\n${broker.output().slice(-3000)}`;
    throw e;
  } finally {
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
