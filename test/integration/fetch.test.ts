// Fetch over a real listener: stored bytes come back exactly, long-polling
// honours max_wait_ms/min_bytes, size limits follow KIP-74, errors per
// partition, topic ids (v13+) and incremental fetch sessions (KIP-227).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode, type FetchRequestInput, type FetchResponse, type FetchResponsePartitionData } from '../../src/protocol/generated/index.js';
import { buildRecordBatch, buildSimpleBatch } from '../helpers/record-batch.js';
import type { EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import {
  assertError, asStored, createTopic, fetchPartition, produce, sleep, splitBatches, uniqueTopic, useBrokerAndClient,
} from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
useBrokerAndClient((b, client) => {
  broker = b;
  c = client;
});

/** Produces each batch in turn (acks=-1); returns the bytes the broker should store for each. */
async function produceAll(topic: string, partition: number, batches: Buffer[]): Promise<{ stored: Buffer[]; end: number }> {
  const stored: Buffer[] = [];
  let end = 0;
  for (const b of batches) {
    const p = await produce(c, topic, partition, b);
    assertError(p.errorCode, ErrorCode.NONE);
    stored.push(asStored(b, p.baseOffset));
    end = p.baseOffset + b.readInt32BE(57);
  }
  return { stored, end };
}

function fetchRequest(topics: { topic: string; topicId?: string; partitions: { partition: number; fetchOffset: number; partitionMaxBytes?: number }[] }[], extra: Partial<FetchRequestInput> = {}): FetchRequestInput {
  return {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 50 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: topics.map((t) => ({
      topic: t.topic, topicId: t.topicId,
      partitions: t.partitions.map((p) => ({ partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 })),
    })),
    forgottenTopicsData: [],
    ...extra,
  };
}

/** The partitions of a response as "topic:partition" → data. */
function partitionsOf(res: FetchResponse): Map<string, FetchResponsePartitionData> {
  const m = new Map<string, FetchResponsePartitionData>();
  for (const t of res.responses) for (const p of t.partitions) m.set(`${t.topic}:${p.partitionIndex}`, p);
  return m;
}

test('fetch returns exactly the produced bytes, with the assigned base offsets written in', async () => {
  const topic = uniqueTopic('bytes');
  await createTopic(c, topic, 1);
  const batches = [
    buildSimpleBatch(3, { prefix: 'a' }),
    buildRecordBatch([{ key: null, value: null }, { key: 'k', value: Buffer.alloc(300, 7), headers: [{ key: 'h', value: 'v' }] }]),
    buildSimpleBatch(1, { prefix: 'c' }),
  ];
  const { stored, end } = await produceAll(topic, 0, batches);
  assert.equal(end, 6);
  for (const version of [4, 7, 11, 12]) {
    const f = await fetchPartition(c, topic, 0, 0, { version });
    assertError(f.errorCode, ErrorCode.NONE, `v${version}`);
    assert.deepEqual(f.records, Buffer.concat(stored), `v${version}`);
    assert.equal(f.highWatermark, 6);
    assert.equal(f.lastStableOffset, 6);
    if (version >= 5) assert.equal(f.logStartOffset, 0);
  }
  // From an offset inside the second batch: that whole batch first (clients skip the records before their offset).
  const mid = await fetchPartition(c, topic, 0, 4);
  assert.deepEqual(mid.records, Buffer.concat(stored.slice(1)));
  // At the high watermark: no error, no records.
  const atEnd = await fetchPartition(c, topic, 0, 6);
  assertError(atEnd.errorCode, ErrorCode.NONE);
  assert.equal(atEnd.records?.length ?? 0, 0);
  assert.equal(atEnd.highWatermark, 6);
});

test('an empty fetch with max_wait_ms=500 and min_bytes=1 answers after about 500 ms', async () => {
  const topic = uniqueTopic('wait');
  await createTopic(c, topic, 1);
  const start = Date.now();
  const f = await fetchPartition(c, topic, 0, 0, { maxWaitMs: 500, minBytes: 1 });
  const elapsed = Date.now() - start;
  assert.ok(elapsed >= 450 && elapsed < 1500, `answered after ${elapsed} ms`);
  assertError(f.errorCode, ErrorCode.NONE);
  assert.equal(f.records?.length ?? 0, 0);
  // min_bytes=0 answers at once whatever max_wait_ms says.
  const t0 = Date.now();
  await fetchPartition(c, topic, 0, 0, { maxWaitMs: 5000, minBytes: 0 });
  assert.ok(Date.now() - t0 < 400, `min_bytes=0 took ${Date.now() - t0} ms`);
});

test('a waiting fetch returns as soon as another connection produces', async () => {
  const topic = uniqueTopic('wake');
  await createTopic(c, topic, 1);
  const consumer = await WireClient.connect(broker.host, broker.port);
  try {
    const start = Date.now();
    const waiting = fetchPartition(consumer, topic, 0, 0, { maxWaitMs: 10_000, minBytes: 1 });
    await sleep(200);
    const batch = buildSimpleBatch(2, { prefix: 'wake' });
    const p = await produce(c, topic, 0, batch, { acks: 1 });
    const f = await waiting;
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 150 && elapsed < 2000, `the fetch answered after ${elapsed} ms`);
    assert.deepEqual(f.records, asStored(batch, p.baseOffset));
  } finally {
    consumer.close();
  }
});

test('partition_max_bytes and max_bytes limit the response, but the first batch always comes whole (KIP-74)', async () => {
  const topic = uniqueTopic('limits');
  await createTopic(c, topic, 2);
  // Five batches of about 1 KiB in each partition.
  const mk = (p: number) => Array.from({ length: 5 }, (_, i) => buildRecordBatch([{ key: `p${p}-${i}`, value: Buffer.alloc(1000, i) }]));
  const p0 = await produceAll(topic, 0, mk(0));
  const p1 = await produceAll(topic, 1, mk(1));
  const size = p0.stored[0]!.length;
  assert.ok(size > 1000 && size < 1100);

  /** Complete batches of a response must be a prefix of what was stored. */
  const assertPrefix = (records: Buffer | null, stored: Buffer[], what: string): number => {
    const { batches } = splitBatches(records);
    batches.forEach((b, i) => assert.deepEqual(b.bytes, stored[i], `${what}: batch ${i}`));
    return batches.length;
  };

  // partition_max_bytes of 2.5 batches: two whole batches, never more bytes than asked.
  let f = await fetchPartition(c, topic, 0, 0, { partitionMaxBytes: Math.floor(size * 2.5) });
  assert.ok(f.records!.length <= Math.floor(size * 2.5));
  assert.equal(assertPrefix(f.records, p0.stored, 'partition_max_bytes 2.5 batches'), 2);

  // Limits smaller than one batch still return that first batch whole.
  f = await fetchPartition(c, topic, 0, 0, { partitionMaxBytes: 100 });
  assert.deepEqual(f.records, p0.stored[0]);
  f = await fetchPartition(c, topic, 0, 0, { maxBytes: 10 });
  assert.deepEqual(f.records, p0.stored[0]);

  // max_bytes spans partitions: the first partition fills it, the second gets what is left.
  const res = await c.request(ApiKey.Fetch, 12, fetchRequest([{ topic, partitions: [{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }] }], { maxBytes: Math.floor(size * 1.5) }));
  const parts = partitionsOf(res);
  const r0 = parts.get(`${topic}:0`)!;
  const r1 = parts.get(`${topic}:1`)!;
  assert.equal(assertPrefix(r0.records, p0.stored, 'max_bytes p0'), 1);
  assert.equal(splitBatches(r1.records).batches.length, 0, 'no whole batch fits in what is left for partition 1');
  assert.ok((r0.records?.length ?? 0) + (r1.records?.length ?? 0) <= Math.floor(size * 1.5));
  // The same when the first partition asked for is empty: the first batch with data is the one that comes whole.
  const res2 = await c.request(ApiKey.Fetch, 12, fetchRequest([{ topic, partitions: [{ partition: 0, fetchOffset: p0.end }, { partition: 1, fetchOffset: 0 }] }], { maxBytes: 10 }));
  assert.deepEqual(partitionsOf(res2).get(`${topic}:1`)!.records, p1.stored[0]);
});

test('limits that leave room for one batch: the first partition with data in the order read gets it; a session moves the served partition to the end (KIP-227)', async () => {
  const topic = uniqueTopic('one-batch');
  await createTopic(c, topic, 3);
  // Three batches of one record (about 1 KiB) per partition, each larger than partition_max_bytes.
  const stored: Buffer[][] = [];
  for (let p = 0; p < 3; p++) {
    stored.push((await produceAll(topic, p, Array.from({ length: 3 }, (_, i) => buildRecordBatch([{ key: `p${p}-${i}`, value: Buffer.alloc(1000, i) }])))).stored);
  }
  const partitionMaxBytes = 100;
  const req = (order: number[], offsets: number[], extra: Partial<FetchRequestInput> = {}) =>
    fetchRequest([{ topic, partitions: order.map((p) => ({ partition: p, fetchOffset: offsets[p]!, partitionMaxBytes })) }], extra);
  /**
   * The partition that got a batch: exactly one gets one whole batch, the one at its fetch offset
   * (KIP-74), and every other partition in the response gets no records at all (as Kafka's
   * ReplicaManager does from v3 on when the first batch does not fit: no incomplete batch).
   */
  const served = (res: FetchResponse, offsets: number[]): number => {
    assertError(res.errorCode, ErrorCode.NONE);
    const got: number[] = [];
    for (const [key, data] of partitionsOf(res)) {
      const p = Number(key.slice(key.lastIndexOf(':') + 1));
      assertError(data.errorCode, ErrorCode.NONE, key);
      if ((data.records?.length ?? 0) === 0) continue;
      assert.deepEqual(data.records, stored[p]![offsets[p]!], `${key}: the batch at ${offsets[p]}, alone`);
      got.push(p);
    }
    assert.equal(got.length, 1, `one partition served: ${got.join(',')}`);
    return got[0]!;
  };

  // Sessionless: the request order decides, the same on every fetch.
  assert.equal(served(await c.request(ApiKey.Fetch, 12, req([0, 1, 2], [0, 0, 0])), [0, 0, 0]), 0);
  assert.equal(served(await c.request(ApiKey.Fetch, 12, req([0, 1, 2], [0, 0, 0])), [0, 0, 0]), 0);
  assert.equal(served(await c.request(ApiKey.Fetch, 12, req([2, 0, 1], [0, 0, 0])), [0, 0, 0]), 2);
  assert.equal(served(await c.request(ApiKey.Fetch, 12, req([0, 1, 2], [3, 0, 0])), [3, 0, 0]), 1, 'partition 0 has nothing past offset 3');

  // A session reads in its own order. The full fetch that opens it keeps the request order;
  // each incremental fetch moves the partition it served to the end, so the client advancing
  // one partition at a time gets 0, 0, 1, 2, 0, 1 rather than partition 0 until it is drained.
  const offsets = [0, 0, 0];
  const full = await c.request(ApiKey.Fetch, 12, req([0, 1, 2], offsets, { sessionId: 0, sessionEpoch: 0 }));
  const sessionId = full.sessionId;
  assert.notEqual(sessionId, 0);
  const order = [served(full, offsets)];
  for (let epoch = 1; epoch <= 5; epoch++) {
    const last = order[order.length - 1]!;
    offsets[last] = offsets[last]! + 1;
    const res = await c.request(ApiKey.Fetch, 12, req([last], offsets, { sessionId, sessionEpoch: epoch }));
    assert.equal(res.sessionId, sessionId);
    order.push(served(res, offsets));
  }
  assert.deepEqual(order, [0, 0, 1, 2, 0, 1]);
});

test('an offset past the high watermark gets OFFSET_OUT_OF_RANGE', async () => {
  const topic = uniqueTopic('range');
  await createTopic(c, topic, 1);
  await produceAll(topic, 0, [buildSimpleBatch(3)]);
  for (const offset of [4, 1000, -5]) {
    const f = await fetchPartition(c, topic, 0, offset);
    assertError(f.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset}`);
    assert.equal(f.records?.length ?? 0, 0);
  }
});

test('an unknown topic or partition gets UNKNOWN_TOPIC_OR_PARTITION; the known ones are still served', async () => {
  const topic = uniqueTopic('known');
  await createTopic(c, topic, 1);
  const { stored } = await produceAll(topic, 0, [buildSimpleBatch(2)]);
  const missing = uniqueTopic('missing');
  const res = await c.request(ApiKey.Fetch, 12, fetchRequest([
    { topic, partitions: [{ partition: 0, fetchOffset: 0 }, { partition: 9, fetchOffset: 0 }] },
    { topic: missing, partitions: [{ partition: 0, fetchOffset: 0 }] },
  ]));
  assertError(res.errorCode, ErrorCode.NONE);
  const parts = partitionsOf(res);
  assert.deepEqual(parts.get(`${topic}:0`)!.records, stored[0]);
  assertError(parts.get(`${topic}:9`)!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assertError(parts.get(`${missing}:0`)!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('v13+ fetches by topic id; an unknown id gets UNKNOWN_TOPIC_ID', async () => {
  const topic = uniqueTopic('by-id');
  const topicId = await createTopic(c, topic, 1);
  const { stored } = await produceAll(topic, 0, [buildSimpleBatch(4)]);
  const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
  for (const version of [13, 17]) {
    const res = await c.request(ApiKey.Fetch, version, fetchRequest([
      { topic: '', topicId, partitions: [{ partition: 0, fetchOffset: 0 }] },
      { topic: '', topicId: unknownId, partitions: [{ partition: 0, fetchOffset: 0 }] },
    ]));
    assertError(res.errorCode, ErrorCode.NONE);
    const known = res.responses.find((t) => t.topicId === topicId)!;
    assert.deepEqual(known.partitions[0]!.records, stored[0], `v${version}`);
    const unknown = res.responses.find((t) => t.topicId === unknownId)!;
    assertError(unknown.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID, `v${version}`);
  }
});

test('fetch sessions (KIP-227): create, incremental, errors, forgotten topics, close', async () => {
  const topic = uniqueTopic('session');
  await createTopic(c, topic, 2);
  await produceAll(topic, 0, [buildSimpleBatch(2)]);
  await produceAll(topic, 1, [buildSimpleBatch(3)]);

  // Epoch 0 opens a session and is a full fetch.
  const full = await c.request(ApiKey.Fetch, 12, fetchRequest([{ topic, partitions: [{ partition: 0, fetchOffset: 2 }, { partition: 1, fetchOffset: 3 }] }], { sessionId: 0, sessionEpoch: 0 }));
  assertError(full.errorCode, ErrorCode.NONE);
  const sessionId = full.sessionId;
  assert.notEqual(sessionId, 0, 'a session id is handed out');
  assert.deepEqual([...partitionsOf(full).keys()].sort(), [`${topic}:0`, `${topic}:1`]);

  // Nothing new: an incremental fetch with no partitions lists none.
  const quiet = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 1 }));
  assertError(quiet.errorCode, ErrorCode.NONE);
  assert.equal(quiet.sessionId, sessionId);
  assert.deepEqual([...partitionsOf(quiet).keys()], []);

  // New data in partition 1 only: only partition 1 comes back, with it.
  const batch = buildSimpleBatch(2, { prefix: 'news' });
  const p = await produce(c, topic, 1, batch);
  const news = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 2 }));
  assertError(news.errorCode, ErrorCode.NONE);
  assert.deepEqual([...partitionsOf(news).keys()], [`${topic}:1`]);
  assert.deepEqual(partitionsOf(news).get(`${topic}:1`)!.records, asStored(batch, p.baseOffset));
  assert.equal(partitionsOf(news).get(`${topic}:1`)!.highWatermark, 5);

  // The client moves its fetch offset past the new data: nothing to report again.
  const moved = await c.request(ApiKey.Fetch, 12, fetchRequest([{ topic, partitions: [{ partition: 1, fetchOffset: 5 }] }], { sessionId, sessionEpoch: 3 }));
  assert.deepEqual([...partitionsOf(moved).keys()], []);

  // A wrong epoch is refused and leaves the session as it was.
  const wrong = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 7 }));
  assertError(wrong.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  assert.deepEqual(wrong.responses, []);
  const stillThere = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 4 }));
  assertError(stillThere.errorCode, ErrorCode.NONE);

  // An id the broker never handed out.
  const unknown = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId: sessionId === 12345 ? 54321 : 12345, sessionEpoch: 1 }));
  assertError(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

  // Forgetting partition 1: new data there no longer shows; new data in partition 0 does.
  const forget = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 5, forgottenTopicsData: [{ topic, partitions: [1] }] }));
  assertError(forget.errorCode, ErrorCode.NONE);
  assert.deepEqual([...partitionsOf(forget).keys()], []);
  await produce(c, topic, 1, buildSimpleBatch(1));
  const p0 = await produce(c, topic, 0, buildSimpleBatch(1, { prefix: 'p0' }));
  const afterForget = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 6 }));
  assert.deepEqual([...partitionsOf(afterForget).keys()], [`${topic}:0`]);
  assert.equal(splitBatches(partitionsOf(afterForget).get(`${topic}:0`)!.records).batches[0]!.baseOffset, p0.baseOffset);

  // Epoch -1 closes the session; the request itself is served as a sessionless full fetch.
  const close = await c.request(ApiKey.Fetch, 12, fetchRequest([{ topic, partitions: [{ partition: 0, fetchOffset: 0 }] }], { sessionId, sessionEpoch: -1 }));
  assertError(close.errorCode, ErrorCode.NONE);
  assert.equal(close.sessionId, 0);
  assert.deepEqual([...partitionsOf(close).keys()], [`${topic}:0`]);
  const gone = await c.request(ApiKey.Fetch, 12, fetchRequest([], { sessionId, sessionEpoch: 7 }));
  assertError(gone.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('a fetch session by topic id (v13+) reports only changed partitions', async () => {
  const topic = uniqueTopic('session-ids');
  const topicId = await createTopic(c, topic, 2);
  await produceAll(topic, 0, [buildSimpleBatch(1)]);
  await produceAll(topic, 1, [buildSimpleBatch(1)]);
  const full = await c.request(ApiKey.Fetch, 15, fetchRequest([{ topic: '', topicId, partitions: [{ partition: 0, fetchOffset: 1 }, { partition: 1, fetchOffset: 1 }] }], { sessionId: 0, sessionEpoch: 0 }));
  assertError(full.errorCode, ErrorCode.NONE);
  assert.notEqual(full.sessionId, 0);
  await produce(c, topic, 0, buildSimpleBatch(1));
  const inc = await c.request(ApiKey.Fetch, 15, fetchRequest([], { sessionId: full.sessionId, sessionEpoch: 1 }));
  assertError(inc.errorCode, ErrorCode.NONE);
  assert.equal(inc.responses.length, 1);
  assert.equal(inc.responses[0]!.topicId, topicId);
  assert.deepEqual(inc.responses[0]!.partitions.map((p) => p.partitionIndex), [0]);
});

test('a fetch waiting on a topic that is deleted meanwhile answers with an error, by its deadline at the latest', async () => {
  const topic = uniqueTopic('vanishing');
  await createTopic(c, topic, 1);
  const consumer = await WireClient.connect(broker.host, broker.port);
  try {
    const start = Date.now();
    const waiting = fetchPartition(consumer, topic, 0, 0, { maxWaitMs: 1000, minBytes: 1 });
    await sleep(100);
    const del = await c.request(ApiKey.DeleteTopics, 6, { topics: [{ name: topic }], timeoutMs: 5000 });
    assertError(del.responses[0]!.errorCode, ErrorCode.NONE);
    const f = await waiting;
    assert.ok(Date.now() - start < 2000, `answered after ${Date.now() - start} ms`);
    assertError(f.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    consumer.close();
  }
});
