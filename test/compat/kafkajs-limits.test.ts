// kafkajs 2.2.4 against the answers added for issue 7, as a real client sees
// them: on a full disk (injected ENOSPC) DeleteTopics fails with
// KAFKA_STORAGE_ERROR and the topic stays, an idempotent producer's
// InitProducerId is retried (COORDINATOR_LOAD_IN_PROGRESS) until there is room
// again; with max.connections reached, a new client is held, not refused, and
// served once a slot frees.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import kafkajs from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { injectedEnospc, type FullDisk } from '../reliability/harness/disk-full.js';
import { uniqueTopic } from './clients.js';

const { Kafka, logLevel } = kafkajs;

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const client = (broker: BrokerProcess, clientId: string) => new Kafka({ clientId, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });

test('on a full disk: DeleteTopics answers KAFKA_STORAGE_ERROR, an idempotent producer waits for room', async () => {
  const disk: FullDisk = injectedEnospc();
  cleanups.push(() => disk.release());
  const broker = await startBrokerProcess({ dataDir: join(disk.dir, 'data'), env: disk.env });
  cleanups.push(async () => { await broker.stop(); });
  const kafka = client(broker, 'limits-disk');
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  const topic = uniqueTopic('full-disk');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }), true);

  disk.fill();
  // kafkajs retries KAFKA_STORAGE_ERROR (retriable) and then gives up with it.
  await assert.rejects(
    client(broker, 'limits-disk-delete').admin({ retry: { retries: 1, initialRetryTime: 50 } }).deleteTopics({ topics: [topic], timeout: 2000 }),
    (e: Error & { type?: string; cause?: { type?: string } }) => (e.type ?? e.cause?.type ?? e.message).includes('KAFKA_STORAGE_ERROR'),
  );
  assert.ok((await admin.listTopics()).includes(topic), 'the topic is still there');

  // No producer-id block can be made durable: InitProducerId is answered with a retriable error.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  cleanups.push(() => producer.disconnect());
  let connected = false;
  const connecting = producer.connect().then(() => { connected = true; });
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(connected, false, 'no producer id while the disk is full');
  disk.makeRoom();
  await connecting;
  const [sent] = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'after room' }] });
  assert.equal(sent!.errorCode, 0);

  await admin.deleteTopics({ topics: [topic], timeout: 5000 });
  assert.equal((await admin.listTopics()).includes(topic), false, 'deleted once there is room');
});

test('max.connections: a client over the limit is held until a slot frees, then served', async () => {
  const broker = await startBrokerProcess({ args: ['--override', 'max.connections=2'] });
  cleanups.push(async () => { await broker.stop(); });
  // Two idle sockets take both slots.
  const holders: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    holders.push(await new Promise<Socket>((resolve, reject) => {
      const s = connect(broker.port, broker.host, () => resolve(s));
      s.once('error', reject);
    }));
  }
  await new Promise((r) => setTimeout(r, 200));
  const admin = client(broker, 'limits-conn').admin();
  cleanups.push(() => admin.disconnect());
  let listed: string[] | null = null;
  const listing = admin.connect().then(() => admin.listTopics()).then((t) => { listed = t; });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(listed, null, 'held while both slots are taken');
  for (const s of holders) s.destroy();
  await listing;
  assert.ok(Array.isArray(listed), 'served once the slots freed');
});

test('queued.max.request.bytes=64 KiB: producers sending far more at once are read as room frees, and every record arrives', async () => {
  const broker = await startBrokerProcess({ args: ['--override', `queued.max.request.bytes=${64 * 1024}`] });
  cleanups.push(async () => { await broker.stop(); });
  const kafka = client(broker, 'limits-queued-bytes');
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());
  const topic = uniqueTopic('queued-bytes');
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

  // Three producers, each with 5 requests of ~40 KiB in flight: ~600 KiB against a 64 KiB budget.
  const producers = [0, 1, 2].map(() => kafka.producer({ maxInFlightRequests: 5 }));
  for (const p of producers) {
    await p.connect();
    cleanups.push(() => p.disconnect());
  }
  const value = 'v'.repeat(4000);
  await Promise.all(producers.flatMap((p, pi) => Array.from({ length: 5 }, (_, r) => p.send({
    topic, acks: -1,
    messages: Array.from({ length: 10 }, (_, i) => ({ partition: (pi + r) % 3, key: `${pi}-${r}-${i}`, value })),
  }))));

  const offsets = await admin.fetchTopicOffsets(topic);
  assert.equal(offsets.reduce((n, o) => n + Number(o.high), 0), 150, 'all 150 records stored');
});
