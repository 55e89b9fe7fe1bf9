// Transactions over the wire (KIP-98), as a transactional producer and a
// read_committed consumer drive them: FindCoordinator for a transactional id,
// InitProducerId fencing, AddPartitionsToTxn, transactional produce with
// produce-time verification, EndTxn and its markers, the last stable offset
// and aborted transactions in Fetch, TxnOffsetCommit settled by the markers
// (OffsetFetch require_stable), timeouts, and the admin APIs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import type { WireClient } from '../helpers/wire-client.js';
import { readMarker } from '../../src/protocol/records/control-records.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { assertError, createTopic, produce, sleep, splitBatches, uniqueTopic, useBrokerAndClient } from './support.js';

let client: WireClient;
useBrokerAndClient((_b, c) => { client = c; }, [
  'transaction.state.log.num.partitions=3', 'offsets.topic.num.partitions=3',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms=200',
]);

const CONTROL = 0x20;
const TRANSACTIONAL = 0x10;

async function initProducer(txnId: string, timeoutMs = 60_000, version = 4): Promise<{ producerId: number; producerEpoch: number; errorCode: number }> {
  for (let i = 0; ; i++) {
    const r = await client.request(ApiKey.InitProducerId, version, { transactionalId: txnId, transactionTimeoutMs: timeoutMs, producerId: -1, producerEpoch: -1 });
    if (r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS || i > 100) return r;
    await sleep(20);
  }
}

async function addPartitions(txnId: string, p: { producerId: number; producerEpoch: number }, topic: string, partitions: number[], version = 3): Promise<number[]> {
  for (let i = 0; ; i++) {
    const r = await client.request(ApiKey.AddPartitionsToTxn, version, {
      v3AndBelowTransactionalId: txnId, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch,
      v3AndBelowTopics: [{ name: topic, partitions }],
    });
    const codes = r.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((x) => x.partitionErrorCode);
    if (!codes.includes(ErrorCode.CONCURRENT_TRANSACTIONS) || i > 100) return codes;
    await sleep(20);
  }
}

async function endTxn(txnId: string, p: { producerId: number; producerEpoch: number }, committed: boolean, version = 3): Promise<number> {
  const r = await client.request(ApiKey.EndTxn, version, { transactionalId: txnId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });
  return r.errorCode;
}

function txnBatch(p: { producerId: number; producerEpoch: number }, seq: number, values: string[]): Buffer {
  // Stamped now: an old timestamp would make each append roll a segment (segment.ms), and a fetch reads one segment.
  return buildRecordBatch(values.map((v) => ({ key: v, value: v })), {
    producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: seq, transactional: true, baseTimestamp: Date.now(),
  });
}

async function fetchIsolated(topic: string, partition: number, offset: number, readCommitted: boolean) {
  const res = await client.request(ApiKey.Fetch, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: readCommitted ? 1 : 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
  });
  return res.responses[0]!.partitions[0]!;
}

/** Waits until the partition's last stable offset reaches `offset` (markers are written after EndTxn answers). */
async function waitStable(topic: string, partition: number, offset: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetchIsolated(topic, partition, 0, true)).lastStableOffset >= offset) return;
    await sleep(10);
  }
  assert.fail(`last stable offset of ${topic}-${partition} never reached ${offset}`);
}

test('FindCoordinator answers this broker for a transactional id', async () => {
  const r = await client.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['txn-find'] });
  assertError(r.coordinators[0]!.errorCode, ErrorCode.NONE);
  assert.ok(r.coordinators[0]!.nodeId >= 0);
});

test('InitProducerId: the same transactional id keeps its producer id and bumps the epoch; bad timeouts are refused', async () => {
  const a = await initProducer('txn-init');
  assertError(a.errorCode, ErrorCode.NONE);
  assert.equal(a.producerEpoch, 0);
  const b = await initProducer('txn-init');
  assert.equal(b.producerId, a.producerId);
  assert.equal(b.producerEpoch, 1);
  assertError((await initProducer('txn-bad-timeout', 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assertError((await initProducer('txn-bad-timeout', 900_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assertError((await initProducer('')).errorCode, ErrorCode.INVALID_REQUEST);
  // The fenced epoch can no longer end a transaction.
  assertError(await endTxn('txn-init', a, true), ErrorCode.PRODUCER_FENCED);
  assertError(await endTxn('txn-init', a, true, 1), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('commit and abort: read_committed sees committed data only, with aborted transactions listed', async () => {
  const topic = uniqueTopic('txn-data');
  await createTopic(client, topic, 1);
  const p = await initProducer('txn-data');
  assertError(p.errorCode, ErrorCode.NONE);

  assert.deepEqual(await addPartitions('txn-data', p, topic, [0]), [ErrorCode.NONE]);
  assertError((await produce(client, topic, 0, txnBatch(p, 0, ['a', 'b']))).errorCode, ErrorCode.NONE);
  let rc = await fetchIsolated(topic, 0, 0, true);
  assert.equal(rc.lastStableOffset, 0, 'the open transaction holds the LSO');
  assert.equal(splitBatches(rc.records).batches.length, 0, 'read_committed sees nothing yet');
  assert.equal(splitBatches((await fetchIsolated(topic, 0, 0, false)).records).batches.length, 1, 'read_uncommitted sees it');
  assertError(await endTxn('txn-data', p, true), ErrorCode.NONE);
  await waitStable(topic, 0, 3);

  assert.deepEqual(await addPartitions('txn-data', p, topic, [0]), [ErrorCode.NONE]);
  assertError((await produce(client, topic, 0, txnBatch(p, 2, ['x']))).errorCode, ErrorCode.NONE);
  assertError(await endTxn('txn-data', p, false), ErrorCode.NONE);
  await waitStable(topic, 0, 5);

  rc = await fetchIsolated(topic, 0, 0, true);
  const batches = splitBatches(rc.records).batches;
  assert.deepEqual(batches.map((b) => [b.baseOffset, (b.attributes & CONTROL) !== 0, (b.attributes & TRANSACTIONAL) !== 0]), [
    [0, false, true], [2, true, true], [3, false, true], [4, true, true],
  ]);
  assert.deepEqual(readMarker(batches[1]!.bytes), { type: 'COMMIT', coordinatorEpoch: 0 });
  assert.deepEqual(readMarker(batches[3]!.bytes), { type: 'ABORT', coordinatorEpoch: 0 });
  assert.deepEqual(rc.abortedTransactions, [{ producerId: p.producerId, firstOffset: 3 }]);
  assert.equal((await fetchIsolated(topic, 0, 0, false)).abortedTransactions, null, 'read_uncommitted gets no list');

  // A retried EndTxn of a completed transaction is fine; ending with the other outcome is not.
  assertError(await endTxn('txn-data', p, false), ErrorCode.NONE);
  assertError(await endTxn('txn-data', p, true), ErrorCode.INVALID_TXN_STATE);

  const lo = await client.request(ApiKey.ListOffsets, 5, {
    replicaId: -1, isolationLevel: 1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  assert.equal(lo.topics[0]!.partitions[0]!.offset, 5, 'ListOffsets read_committed latest is the LSO');
});

test('a transactional batch for a partition not in the transaction is INVALID_TXN_STATE; unknown partitions are refused', async () => {
  const topic = uniqueTopic('txn-verify');
  await createTopic(client, topic, 2);
  const p = await initProducer('txn-verify');
  assert.deepEqual(await addPartitions('txn-verify', p, topic, [0]), [ErrorCode.NONE]);
  assertError((await produce(client, topic, 1, txnBatch(p, 0, ['nope']))).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.deepEqual(await addPartitions('txn-verify', p, topic, [0, 7]), [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const r = await client.request(ApiKey.AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: 'txn-verify', v3AndBelowProducerId: p.producerId + 1000, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: topic, partitions: [0] }],
  });
  assertError(r.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  // v4+ verify_only, the brokers' form.
  const v = await client.request(ApiKey.AddPartitionsToTxn, 4, {
    transactions: [{ transactionalId: 'txn-verify', producerId: p.producerId, producerEpoch: p.producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions: [0, 1] }] }],
  });
  assert.deepEqual(v.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition.map((x) => x.partitionErrorCode), [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]);
  assertError(await endTxn('txn-verify', p, false), ErrorCode.NONE);
});

test('a new producer with the same transactional id aborts the open transaction and fences the old one', async () => {
  const topic = uniqueTopic('txn-zombie');
  await createTopic(client, topic, 1);
  const old = await initProducer('txn-zombie');
  assert.deepEqual(await addPartitions('txn-zombie', old, topic, [0]), [ErrorCode.NONE]);
  assertError((await produce(client, topic, 0, txnBatch(old, 0, ['zombie']))).errorCode, ErrorCode.NONE);
  const fresh = await initProducer('txn-zombie');
  assertError(fresh.errorCode, ErrorCode.NONE);
  assert.equal(fresh.producerEpoch, old.producerEpoch + 2, 'one bump to fence and abort, one for the new producer');
  await waitStable(topic, 0, 2);
  const rc = await fetchIsolated(topic, 0, 0, true);
  assert.deepEqual(rc.abortedTransactions, [{ producerId: old.producerId, firstOffset: 0 }]);
  assertError((await produce(client, topic, 0, txnBatch(old, 1, ['late']))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assertError(await endTxn('txn-zombie', old, true), ErrorCode.PRODUCER_FENCED);
});

test('transaction.timeout.ms: an abandoned transaction is aborted and its producer fenced', async () => {
  const topic = uniqueTopic('txn-timeout');
  await createTopic(client, topic, 1);
  const p = await initProducer('txn-timeout', 300);
  assert.deepEqual(await addPartitions('txn-timeout', p, topic, [0]), [ErrorCode.NONE]);
  assertError((await produce(client, topic, 0, txnBatch(p, 0, ['left']))).errorCode, ErrorCode.NONE);
  await waitStable(topic, 0, 2);
  const rc = await fetchIsolated(topic, 0, 0, true);
  assert.deepEqual(rc.abortedTransactions, [{ producerId: p.producerId, firstOffset: 0 }]);
  assertError(await endTxn('txn-timeout', p, true), ErrorCode.PRODUCER_FENCED);
  const d = await client.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['txn-timeout'] });
  assert.equal(d.transactionStates[0]!.transactionState, 'CompleteAbort');
  assert.equal(d.transactionStates[0]!.producerEpoch, p.producerEpoch + 1);
});

test('TxnOffsetCommit: offsets become visible when the transaction commits, and never when it aborts', async () => {
  const topic = uniqueTopic('txn-offsets');
  await createTopic(client, topic, 1);
  const group = `group-${topic}`;
  const fetchOffset = async (requireStable: boolean) => {
    const r = await client.request(ApiKey.OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }], requireStable });
    return r.topics[0]!.partitions[0]!;
  };
  const p = await initProducer('txn-offsets');
  for (const [offset, commit] of [[5, true], [9, false]] as const) {
    const add = await client.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: 'txn-offsets', producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: group });
    assertError(add.errorCode, ErrorCode.NONE);
    const c = await client.request(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: 'txn-offsets', groupId: group, producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    });
    assertError(c.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    assertError((await fetchOffset(true)).errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
    assertError(await endTxn('txn-offsets', p, commit), ErrorCode.NONE);
    let stable = await fetchOffset(true);
    for (let i = 0; i < 200 && stable.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT; i++) {
      await sleep(10);
      stable = await fetchOffset(true);
    }
    assertError(stable.errorCode, ErrorCode.NONE);
    assert.equal(stable.committedOffset, 5, commit ? 'committed' : 'the aborted commit left the offset alone');
  }
});

test('ListTransactions, DescribeTransactions and DescribeProducers show an open transaction', async () => {
  const topic = uniqueTopic('txn-admin');
  await createTopic(client, topic, 1);
  const p = await initProducer('txn-admin');
  assert.deepEqual(await addPartitions('txn-admin', p, topic, [0]), [ErrorCode.NONE]);
  assertError((await produce(client, topic, 0, txnBatch(p, 0, ['a', 'b', 'c']))).errorCode, ErrorCode.NONE);

  const l = await client.request(ApiKey.ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [p.producerId], durationFilter: -1 });
  assert.deepEqual(l.transactionStates, [{ transactionalId: 'txn-admin', producerId: p.producerId, transactionState: 'Ongoing' }]);
  const unknown = await client.request(ApiKey.ListTransactions, 1, { stateFilters: ['Nope'], producerIdFilters: [], durationFilter: -1 });
  assert.deepEqual(unknown.unknownStateFilters, ['Nope']);

  const d = await client.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['txn-admin', 'txn-missing'] });
  const [known, missing] = d.transactionStates;
  assert.equal(known!.transactionState, 'Ongoing');
  assert.deepEqual(known!.topics, [{ topic, partitions: [0] }]);
  assert.ok(known!.transactionStartTimeMs > 0);
  assertError(missing!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);

  const dp = await client.request(ApiKey.DescribeProducers, 0, { topics: [{ name: topic, partitionIndexes: [0, 9] }] });
  const [part0, part9] = dp.topics[0]!.partitions;
  assert.deepEqual(part0!.activeProducers.map((x) => [x.producerId, x.producerEpoch, x.lastSequence, x.currentTxnStartOffset]), [[p.producerId, p.producerEpoch, 2, 0]]);
  assertError(part9!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assertError(await endTxn('txn-admin', p, true), ErrorCode.NONE);
});
