// CreatePartitions, DeleteRecords, DescribeLogDirs, OffsetForLeaderEpoch and
// the single-node answers of ElectLeaders and the partition reassignment APIs,
// over a real listener, with Kafka's error codes; partition counts survive a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type FindCoordinatorResponse } from '../../src/protocol/generated/index.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, fetchPartition, produce, sleep, uniqueTopic, watchBrokerErrors } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
let nodeId: number;
const watch = watchBrokerErrors();

before(async () => {
  broker = await startEmbeddedBroker();
  c = await WireClient.connect(broker.host, broker.port);
  nodeId = (await c.request(ApiKey.Metadata, 12, { topics: [] })).brokers[0]!.nodeId;
});

after(async () => {
  c?.close();
  await broker?.stop();
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

/** The partition count Metadata shows, once it is `expected` (Apache Kafka propagates a change in the background). */
async function partitionCount(name: string, expected: number, client = c): Promise<number> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const res = await client.request(ApiKey.Metadata, 12, { topics: [{ name }], allowAutoTopicCreation: false });
    assertError(res.topics[0]!.errorCode, ErrorCode.NONE, `metadata of ${name}`);
    const n = res.topics[0]!.partitions.length;
    if (n === expected || Date.now() > deadline) return n;
    await sleep(50);
  }
}

async function createPartitions(topics: { name: string; count: number; assignments?: { brokerIds: number[] }[] | null }[], validateOnly = false, version = 3) {
  const res = await c.request(ApiKey.CreatePartitions, version, {
    topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments ?? null })), timeoutMs: 5000, validateOnly,
  });
  return res.results;
}

test('CreatePartitions grows a topic; the new partition takes records', async () => {
  const t = uniqueTopic('grow');
  await createTopic(c, t, 1);
  for (const version of [0, 3]) {
    const target = version === 0 ? 2 : 3;
    const [r] = await createPartitions([{ name: t, count: target }], false, version);
    assertError(r!.errorCode, ErrorCode.NONE, `v${version}: ${r!.errorMessage}`);
    assert.equal(await partitionCount(t, target), target);
  }
  const p = await produce(c, t, 2, buildSimpleBatch(3));
  assertError(p.errorCode, ErrorCode.NONE);
  assert.equal(p.baseOffset, 0);
  const f = await fetchPartition(c, t, 2, 0);
  assert.equal(f.highWatermark, 3);
});

test('CreatePartitions: validate_only, assignments, and bad input', async () => {
  const t = uniqueTopic('grow-bad');
  await createTopic(c, t, 2);
  let [r] = await createPartitions([{ name: t, count: 4 }], true);
  assertError(r!.errorCode, ErrorCode.NONE);
  assert.equal(await partitionCount(t, 4), 2, 'validate_only changed nothing');

  [r] = await createPartitions([{ name: t, count: 1 }]);
  assertError(r!.errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.match(r!.errorMessage ?? '', /would not be an increase/);
  [r] = await createPartitions([{ name: t, count: 2 }]);
  assertError(r!.errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.match(r!.errorMessage ?? '', /already has 2 partition/);

  [r] = await createPartitions([{ name: uniqueTopic('missing'), count: 3 }]);
  assertError(r!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  [r] = await createPartitions([{ name: t, count: 4, assignments: [{ brokerIds: [nodeId] }] }]);
  assertError(r!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'one assignment for two new partitions');
  [r] = await createPartitions([{ name: t, count: 3, assignments: [{ brokerIds: [nodeId + 1] }] }]);
  assertError(r!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'another broker');
  [r] = await createPartitions([{ name: t, count: 3, assignments: [{ brokerIds: [nodeId, nodeId] }] }]);
  assertError(r!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'the same broker twice');
  assert.match(r!.errorMessage ?? '', /more than once/);
  [r] = await createPartitions([{ name: t, count: 3, assignments: [{ brokerIds: [] }] }]);
  assertError(r!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'no broker');
  assert.equal(await partitionCount(t, 3), 2);
  [r] = await createPartitions([{ name: t, count: 3, assignments: [{ brokerIds: [nodeId] }] }]);
  assertError(r!.errorCode, ErrorCode.NONE, r!.errorMessage ?? '');
  assert.equal(await partitionCount(t, 3), 3);

  const results = await createPartitions([{ name: t, count: 5 }, { name: t, count: 6 }]);
  assert.equal(results.length, 1, 'one answer per name');
  assertError(results[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(await partitionCount(t, 5), 3);
});

test('DeleteRecords moves the low watermark; -1 means the high watermark; beyond it is OFFSET_OUT_OF_RANGE', async () => {
  const t = uniqueTopic('delrec');
  await createTopic(c, t, 2);
  assertError((await produce(c, t, 0, buildSimpleBatch(10))).errorCode, ErrorCode.NONE);
  assertError((await produce(c, t, 1, buildSimpleBatch(4))).errorCode, ErrorCode.NONE);
  for (const version of [0, 2]) {
    const offset = version === 0 ? 3 : 6;
    const res = await c.request(ApiKey.DeleteRecords, version, { topics: [{ name: t, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 5000 });
    const p = res.topics[0]!.partitions[0]!;
    assertError(p.errorCode, ErrorCode.NONE);
    assert.equal(p.lowWatermark, offset);
  }
  const lo = await c.request(ApiKey.ListOffsets, 7, {
    replicaId: -1, isolationLevel: 0, topics: [{ name: t, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2 }] }],
  });
  assert.equal(Number(lo.topics[0]!.partitions[0]!.offset), 6, 'earliest offset after DeleteRecords');
  const f = await fetchPartition(c, t, 0, 0);
  assertError(f.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'fetch below the log start offset');

  const res = await c.request(ApiKey.DeleteRecords, 2, {
    topics: [
      { name: t, partitions: [{ partitionIndex: 1, offset: -1 }, { partitionIndex: 0, offset: 11 }, { partitionIndex: 7, offset: 0 }] },
      { name: uniqueTopic('missing'), partitions: [{ partitionIndex: 0, offset: 0 }] },
    ],
    timeoutMs: 5000,
  });
  // Kafka answers partitions in its own order: look them up by index.
  const byIndex = new Map(res.topics.find((x) => x.name === t)!.partitions.map((p) => [p.partitionIndex, p]));
  const [p1, beyond, noPartition] = [byIndex.get(1), byIndex.get(0), byIndex.get(7)];
  assertError(p1!.errorCode, ErrorCode.NONE);
  assert.equal(p1!.lowWatermark, 4, '-1 deletes up to the high watermark');
  assertError(beyond!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(beyond!.lowWatermark, -1);
  assertError(noPartition!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assertError(res.topics.find((x) => x.name !== t)!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const compacted = uniqueTopic('delrec-compacted');
  await createTopic(c, compacted, 1, { 'cleanup.policy': 'compact' });
  const fc = await c.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['delrec-group'] }) as FindCoordinatorResponse;
  assertError(fc.coordinators[0]!.errorCode, ErrorCode.NONE, 'FindCoordinator creates __consumer_offsets');
  const refused = await c.request(ApiKey.DeleteRecords, 2, {
    topics: [{ name: compacted, partitions: [{ partitionIndex: 0, offset: 0 }] }, { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0 }] }],
    timeoutMs: 5000,
  });
  assertError(refused.topics.find((x) => x.name === compacted)!.partitions[0]!.errorCode, ErrorCode.POLICY_VIOLATION, 'compacted topic');
  assertError(refused.topics.find((x) => x.name === '__consumer_offsets')!.partitions[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, 'internal topic');
});

test('DescribeLogDirs lists the data directory with partition sizes and disk space', async () => {
  const t = uniqueTopic('logdirs');
  await createTopic(c, t, 2);
  const batch = buildSimpleBatch(5, { valueSize: 100 });
  assertError((await produce(c, t, 1, batch)).errorCode, ErrorCode.NONE);
  const res = await c.request(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: t, partitions: [0, 1, 9] }, { topic: uniqueTopic('missing'), partitions: [0] }] });
  assertError(res.errorCode, ErrorCode.NONE);
  assert.equal(res.results.length, 1);
  const dir = res.results[0]!;
  assertError(dir.errorCode, ErrorCode.NONE);
  if (!broker.external) assert.equal(dir.logDir, broker.dataDir);
  assert.ok(dir.totalBytes > 0 && dir.usableBytes > 0 && dir.usableBytes <= dir.totalBytes, `${dir.usableBytes} of ${dir.totalBytes}`);
  assert.deepEqual(dir.topics.map((x) => x.name), [t]);
  const sizes = new Map(dir.topics[0]!.partitions.map((p) => [p.partitionIndex, p]));
  assert.deepEqual([...sizes.keys()].sort(), [0, 1]);
  assert.equal(sizes.get(0)!.partitionSize, 0);
  assert.equal(sizes.get(1)!.partitionSize, batch.length);
  assert.equal(sizes.get(1)!.offsetLag, 0);

  const all = await c.request(ApiKey.DescribeLogDirs, 1, { topics: null });
  assert.ok(all.results[0]!.topics.some((x) => x.name === t), 'null topics lists every partition');
  assert.equal(all.results[0]!.totalBytes, -1, 'v1 has no total bytes (default -1)');
});

test('OffsetForLeaderEpoch: epoch 0 ends at the log end offset; other epochs are undefined; fencing', async () => {
  const t = uniqueTopic('ofle');
  await createTopic(c, t, 1);
  assertError((await produce(c, t, 0, buildSimpleBatch(7))).errorCode, ErrorCode.NONE);
  const ask = async (leaderEpoch: number, currentLeaderEpoch: number, version = 4, topic = t) => {
    const res = await c.request(ApiKey.OffsetForLeaderEpoch, version, {
      replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }],
    });
    return res.topics[0]!.partitions[0]!;
  };
  let r = await ask(0, 0);
  assertError(r.errorCode, ErrorCode.NONE);
  assert.deepEqual([r.leaderEpoch, Number(r.endOffset)], [0, 7]);
  r = await ask(0, -1, 2);
  assertError(r.errorCode, ErrorCode.NONE);
  assert.equal(Number(r.endOffset), 7);
  r = await ask(3, -1);
  assertError(r.errorCode, ErrorCode.NONE);
  assert.deepEqual([r.leaderEpoch, Number(r.endOffset)], [-1, -1], 'an epoch above the current one is undefined');
  r = await ask(0, 5);
  assertError(r.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  r = await ask(0, 0, 4, uniqueTopic('missing'));
  assertError(r.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('ElectLeaders answers ELECTION_NOT_NEEDED; reassignments: no-op to this broker, others rejected, none listed', async () => {
  const t = uniqueTopic('elect');
  await createTopic(c, t, 2);
  for (const version of [0, 1, 2]) {
    const res = await c.request(ApiKey.ElectLeaders, version, { electionType: 0, topicPartitions: [{ topic: t, partitions: [0, 1, 5] }], timeoutMs: 5000 });
    assertError(res.errorCode, ErrorCode.NONE);
    const codes = res.replicaElectionResults[0]!.partitionResult.map((p) => p.errorCode);
    assert.deepEqual(codes, [ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], `v${version}`);
  }
  const allParts = await c.request(ApiKey.ElectLeaders, 2, { electionType: 1, topicPartitions: null, timeoutMs: 5000 });
  assertError(allParts.errorCode, ErrorCode.NONE);
  const mine = allParts.replicaElectionResults.find((r) => r.topic === t);
  assert.deepEqual(mine?.partitionResult, [], 'all partitions: every topic, no partition needed an election');
  const badType = await c.request(ApiKey.ElectLeaders, 2, { electionType: 5, topicPartitions: [{ topic: t, partitions: [0] }], timeoutMs: 5000 });
  assertError(badType.errorCode, ErrorCode.INVALID_REQUEST);
  assertError(badType.replicaElectionResults[0]!.partitionResult[0]!.errorCode, ErrorCode.INVALID_REQUEST);

  const alter = await c.request(ApiKey.AlterPartitionReassignments, 0, {
    timeoutMs: 5000,
    topics: [{ name: t, partitions: [
      { partitionIndex: 0, replicas: [nodeId] },
      { partitionIndex: 1, replicas: [nodeId, nodeId + 1] },
      { partitionIndex: 1, replicas: null },
      { partitionIndex: 9, replicas: [nodeId] },
      { partitionIndex: 0, replicas: [] },
    ] }, { name: uniqueTopic('missing'), partitions: [{ partitionIndex: 0, replicas: [nodeId] }] }],
  });
  assertError(alter.errorCode, ErrorCode.NONE);
  assert.deepEqual(alter.responses[0]!.partitions.map((p) => p.errorCode), [
    ErrorCode.NONE, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
  ]);
  assertError(alter.responses[1]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const list = await c.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 5000, topics: null });
  assertError(list.errorCode, ErrorCode.NONE);
  assert.deepEqual(list.topics, []);
});

test('added partitions and deleted records survive a restart', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-admin-restart-'));
  let b: EmbeddedBroker | undefined;
  let client: WireClient | undefined;
  try {
    b = await startEmbeddedBroker({ dataDir });
    client = await WireClient.connect(b.host, b.port);
    await createTopic(client, 'grown', 1);
    const r = await client.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'grown', count: 4, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assertError(r.results[0]!.errorCode, ErrorCode.NONE);
    assertError((await produce(client, 'grown', 3, buildSimpleBatch(5))).errorCode, ErrorCode.NONE);
    const d = await client.request(ApiKey.DeleteRecords, 2, { topics: [{ name: 'grown', partitions: [{ partitionIndex: 3, offset: 2 }] }], timeoutMs: 5000 });
    assertError(d.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    client.close();
    await b.stop();
    b = await startEmbeddedBroker({ dataDir });
    client = await WireClient.connect(b.host, b.port);
    assert.equal(await partitionCount('grown', 4, client), 4);
    const f = await fetchPartition(client, 'grown', 3, 2);
    assertError(f.errorCode, ErrorCode.NONE);
    assert.equal(f.highWatermark, 5);
    assert.equal(f.logStartOffset, 2);
  } finally {
    client?.close();
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
