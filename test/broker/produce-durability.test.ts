// acks=-1 and the flush policy: the produce handler answers at once when
// flushing is left to the OS, after the fsync when the topic asks for one per
// message, and REQUEST_TIMED_OUT (records still appended, as in Kafka) for the
// partitions whose flush does not come within timeout_ms; the other
// partitions of the same request are not held back by the timeout.
// Tributary's own semantics (acks=all waits for the configured flush policy);
// Apache Kafka's acks=all waits for replication instead, so this file is not
// meant to run against TRIBUTARY_TEST_BOOTSTRAP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import type { EmbeddedBroker } from '../helpers/embedded-broker.js';
import type { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, uniqueTopic, useBrokerAndClient } from '../integration/support.js';

let broker: EmbeddedBroker;
let c: WireClient;
useBrokerAndClient((b, client) => {
  broker = b;
  c = client;
});

async function latestOffset(topic: string, partition: number): Promise<number> {
  const res = await c.request(ApiKey.ListOffsets, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }] });
  return res.topics[0]!.partitions[0]!.offset;
}

/** One acks=-1 request over every partition of each topic; the partition results by topic, and how long it took. */
async function produceAll(topics: { name: string; partitions: number }[], timeoutMs: number): Promise<{ ms: number; results: Map<string, { index: number; errorCode: number; baseOffset: number }[]> }> {
  const t0 = performance.now();
  const res = await c.request(ApiKey.Produce, 9, {
    acks: -1, timeoutMs,
    topicData: topics.map((t) => ({ name: t.name, partitionData: Array.from({ length: t.partitions }, (_, p) => ({ index: p, records: buildSimpleBatch(2) })) })),
  });
  const ms = performance.now() - t0;
  const results = new Map(res.responses.map((t) => [t.name, t.partitionResponses.map((p) => ({ index: p.index, errorCode: p.errorCode, baseOffset: p.baseOffset })).sort((a, b) => a.index - b.index)]));
  return { ms, results };
}

test('flushing left to the OS (the default): every partition is acknowledged at once', { timeout: 20_000 }, async () => {
  const topic = uniqueTopic('durable-os');
  await createTopic(c, topic, 4);
  const { ms, results } = await produceAll([{ name: topic, partitions: 4 }], 30_000);
  assert.deepEqual(results.get(topic)!.map((p) => [p.index, p.errorCode, p.baseOffset]), [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]]);
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

test('flush.messages=1: acknowledged after the fsync, with offsets', { timeout: 20_000 }, async () => {
  const topic = uniqueTopic('durable-fsync');
  await createTopic(c, topic, 3, { 'flush.messages': '1' });
  for (let round = 0; round < 3; round++) {
    const { results } = await produceAll([{ name: topic, partitions: 3 }], 30_000);
    assert.deepEqual(results.get(topic)!.map((p) => [p.index, p.errorCode, p.baseOffset]), [[0, 0, 2 * round], [1, 0, 2 * round], [2, 0, 2 * round]]);
  }
});

test('a flush that does not come within timeout_ms: REQUEST_TIMED_OUT for those partitions only, records appended', { timeout: 20_000 }, async () => {
  const slow = uniqueTopic('durable-slow');
  const fast = uniqueTopic('durable-fast');
  // A flush policy that is not "leave it to the OS" but will not flush for 10 minutes.
  await createTopic(c, slow, 2, { 'flush.messages': '1000000', 'flush.ms': '600000' });
  await createTopic(c, fast, 2);
  const { ms, results } = await produceAll([{ name: slow, partitions: 2 }, { name: fast, partitions: 2 }], 300);
  for (const p of results.get(slow)!) {
    assertError(p.errorCode, ErrorCode.REQUEST_TIMED_OUT, `${slow}-${p.index}`);
    assert.equal(p.baseOffset, -1);
  }
  for (const p of results.get(fast)!) {
    assertError(p.errorCode, ErrorCode.NONE, `${fast}-${p.index}`);
    assert.equal(p.baseOffset, 0);
  }
  assert.ok(ms >= 250 && ms < 5000, `answered after ${ms.toFixed(0)} ms, expected about timeout_ms (300)`);
  // As in Kafka, a timed-out acks=-1 produce still appended its records.
  assert.equal(await latestOffset(slow, 0), 2);
  assert.equal(await latestOffset(slow, 1), 2);
});

test('timeout_ms=0 with a pending flush times out at once; an already-durable partition does not', { timeout: 20_000 }, async () => {
  const slow = uniqueTopic('durable-zero');
  const fast = uniqueTopic('durable-zero-fast');
  await createTopic(c, slow, 1, { 'flush.messages': '1000000', 'flush.ms': '600000' });
  await createTopic(c, fast, 1);
  const { results } = await produceAll([{ name: slow, partitions: 1 }, { name: fast, partitions: 1 }], 0);
  assertError(results.get(slow)![0]!.errorCode, ErrorCode.REQUEST_TIMED_OUT);
  assertError(results.get(fast)![0]!.errorCode, ErrorCode.NONE);
});
