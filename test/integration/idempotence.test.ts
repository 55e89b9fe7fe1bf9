// Idempotent produce over a real listener: a retried batch is answered with its
// original offsets and not appended again, sequence gaps and fenced epochs get
// Kafka's errors, and after SIGKILL the rebuilt producer state still dedupes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import type { EmbeddedBroker } from '../helpers/embedded-broker.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, fetchPartition, produce, splitBatches, uniqueTopic, useBrokerAndClient } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
useBrokerAndClient((b, client) => {
  broker = b;
  c = client;
});

async function initProducerId(client: WireClient): Promise<{ producerId: number; producerEpoch: number }> {
  const res = await client.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assertError(res.errorCode, ErrorCode.NONE);
  return { producerId: res.producerId, producerEpoch: res.producerEpoch };
}

// Recent timestamps: producer state expires by the batches' own timestamps (producer.id.expiration.ms).
const T0 = Date.now();

function batch(pid: number, epoch: number, seq: number, n: number, tag = 'v'): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${seq + i}`, value: `${tag}-${seq + i}` })), {
    producerId: pid, producerEpoch: epoch, baseSequence: seq, baseTimestamp: T0 + seq,
  });
}

async function logEnd(client: WireClient, topic: string): Promise<number> {
  const res = await client.request(ApiKey.ListOffsets, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] });
  return res.topics[0]!.partitions[0]!.offset;
}

test('a retried batch gets its original base offset and is not appended twice', async () => {
  const topic = uniqueTopic('idem-dup');
  await createTopic(c, topic, 1);
  const { producerId, producerEpoch } = await initProducerId(c);
  const bases: number[] = [];
  for (let seq = 0; seq < 30; seq += 5) {
    const r = await produce(c, topic, 0, batch(producerId, producerEpoch, seq, 5));
    assertError(r.errorCode, ErrorCode.NONE);
    bases.push(r.baseOffset);
  }
  assert.deepEqual(bases, [0, 5, 10, 15, 20, 25]);
  // Retries of the last five batches, out of order, as a producer with five requests in flight may send them.
  for (const seq of [25, 10, 20, 5, 15]) {
    const r = await produce(c, topic, 0, batch(producerId, producerEpoch, seq, 5, 'retry'));
    assertError(r.errorCode, ErrorCode.NONE, `retry of ${seq}`);
    assert.equal(r.baseOffset, seq, `retry of ${seq} answers with the original offset`);
    assert.equal(r.logAppendTimeMs, T0 + seq, "Kafka returns the cached batch's max timestamp as log_append_time");
  }
  assert.equal(await logEnd(c, topic), 30, 'nothing appended by the retries');
  const fetched = splitBatches((await fetchPartition(c, topic, 0, 0)).records).batches;
  assert.equal(fetched.length, 6);
  // Older than the five cached batches: out of order.
  const old = await produce(c, topic, 0, batch(producerId, producerEpoch, 0, 5));
  assertError(old.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('gaps, new epochs and fenced epochs answer as Kafka 4 does', async () => {
  const topic = uniqueTopic('idem-seq');
  await createTopic(c, topic, 1);
  const { producerId } = await initProducerId(c);
  assertError((await produce(c, topic, 0, batch(producerId, 0, 0, 2))).errorCode, ErrorCode.NONE);
  const gap = await produce(c, topic, 0, batch(producerId, 0, 5, 1));
  assertError(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.match(gap.errorMessage ?? '', /Out of order sequence number/);
  assertError((await produce(c, topic, 0, batch(producerId, 1, 2, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a new epoch must start at 0');
  assertError((await produce(c, topic, 0, batch(producerId, 1, 0, 1))).errorCode, ErrorCode.NONE);
  assertError((await produce(c, topic, 0, batch(producerId, 0, 2, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  // An unknown producer may start anywhere (KIP-360): Kafka no longer answers UNKNOWN_PRODUCER_ID.
  const fresh = await initProducerId(c);
  assertError((await produce(c, topic, 0, batch(fresh.producerId, 0, 77, 1))).errorCode, ErrorCode.NONE);
  assert.equal(await logEnd(c, topic), 4);
});

test('after SIGKILL the producer state is rebuilt: retries still dedupe, the sequence goes on', { timeout: 60_000 }, async () => {
  let b = await startBrokerProcess({ cleanup: false, args: ['--override', 'log.segment.bytes=1048576'] });
  const dataDir = b.dataDir;
  try {
    let client = await WireClient.connect(b.host, b.port);
    const topic = uniqueTopic('idem-kill');
    await createTopic(client, topic, 1, { 'internal.segment.bytes': '2048' });
    const { producerId } = await initProducerId(client);
    for (let seq = 0; seq < 60; seq += 3) assertError((await produce(client, topic, 0, batch(producerId, 0, seq, 3, 'x'.repeat(100)))).errorCode, ErrorCode.NONE);
    client.close();
    await b.kill();

    b = await startBrokerProcess({ dataDir, cleanup: false });
    client = await WireClient.connect(b.host, b.port);
    for (const seq of [45, 48, 51, 54, 57]) {
      const r = await produce(client, topic, 0, batch(producerId, 0, seq, 3, 'x'.repeat(100)));
      assertError(r.errorCode, ErrorCode.NONE, `retry of ${seq} after restart`);
      assert.equal(r.baseOffset, seq);
    }
    assertError((await produce(client, topic, 0, batch(producerId, 0, 42, 3))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assertError((await produce(client, topic, 0, batch(producerId, 0, 61, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const next = await produce(client, topic, 0, batch(producerId, 0, 60, 1));
    assertError(next.errorCode, ErrorCode.NONE);
    assert.equal(next.baseOffset, 60);
    client.close();
  } finally {
    await b.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
