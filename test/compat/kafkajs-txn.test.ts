// kafkajs 2.2.4 transactions: a transactional producer commits some
// transactions and aborts others across 3 partitions, and sends consumer
// offsets inside a transaction (AddOffsetsToTxn + TxnOffsetCommit); a kafkajs
// group consumer (read_committed, kafkajs's default) must see exactly the
// committed records, in order per partition, and the group's committed offsets
// must be exactly those of the committed transactions. Also passes against
// Apache Kafka 4.1.1 (TRIBUTARY_TEST_BOOTSTRAP).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs, { type Kafka } from 'kafkajs';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { uniqueTopic } from './clients.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;
const PARTITIONS = 3;

let broker: EmbeddedBroker;
let kafka: Kafka;

before(async () => {
  broker = await startEmbeddedBroker({ overrides: ['group.initial.rebalance.delay.ms=0', 'transaction.state.log.num.partitions=5', 'offsets.topic.num.partitions=5'] });
  kafka = new KafkaClient({ clientId: 'tributary-compat-kafkajs-txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
});

after(async () => {
  await broker?.stop();
});

test('committed transactions are seen by a read_committed consumer, aborted ones never', async () => {
  const topic = uniqueTopic('kafkajs-txn');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });

  const producer = kafka.producer({ transactionalId: `txn-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const expected: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let t = 0; t < 12; t++) {
    const commit = t % 3 !== 1;
    const txn = await producer.transaction();
    const messages = Array.from({ length: 5 }, (_, i) => ({ partition: (t + i) % PARTITIONS, value: `t${t}-m${i}-${commit ? 'commit' : 'abort'}` }));
    await txn.send({ topic, messages });
    if (commit) {
      await txn.commit();
      for (const m of messages) expected[m.partition]!.push(m.value);
    } else {
      await txn.abort();
    }
  }

  // Offsets sent in a transaction: the aborted ones must never become the group's.
  const groupId = `g-${topic}`;
  for (const [offset, commit] of [['7', true], ['9', false]] as const) {
    const txn = await producer.transaction();
    await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset }] }] });
    if (commit) await txn.commit();
    else await txn.abort();
  }
  await producer.disconnect();
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  assert.equal(committed[0]!.partitions.find((p) => p.partition === 0)!.offset, '7');

  const seen: string[][] = Array.from({ length: PARTITIONS }, () => []);
  const consumer = kafka.consumer({ groupId: `reader-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const total = expected.reduce((n, p) => n + p.length, 0);
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${count} of ${total} committed records arrived`)), 30_000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen[partition]!.push(message.value!.toString());
        if (++count >= total) {
          clearTimeout(timer);
          // A little longer, so that an aborted record arriving late would be caught.
          setTimeout(resolve, 500);
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  await admin.disconnect();
  assert.deepEqual(seen, expected);
});
