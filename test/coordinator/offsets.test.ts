// Committed offsets and the admin side of groups, through the coordinator
// service: OffsetCommit/OffsetFetch semantics, OffsetDelete, DeleteGroups,
// ListGroups/DescribeGroups, retention expiry, and write failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { decodeRecords } from '../../src/protocol/records/batch.js';
import { ClassicGroup } from '../../src/coordinator/classic-group.js';
import { GROUP_METADATA_TOPIC, decodeRecord } from '../../src/coordinator/records.js';
import { commit, errorName, harness, info, joinRequest, joinWithId, settle, subscription, sync, topic, type Harness } from './helpers.js';

/** A Stable consumer group with one member subscribed to `topics`. */
async function stableConsumer(h: Harness, groupId: string, topics: string[], protocolType = 'consumer'): Promise<string> {
  const { memberId, joined } = await joinWithId(h, { groupId, protocolType, protocols: [{ name: 'range', metadata: subscription(topics) }] });
  h.clock.advance(h.config.initialRebalanceDelayMs);
  const j = await joined;
  await sync(h, groupId, memberId, j.generationId, []);
  return memberId;
}

function fetched(h: Harness, groupId: string, topics: Record<string, number[]> | null) {
  return h.coordinator.fetchOffsets(groupId, null, -1, topics === null ? null : Object.entries(topics).map(([name, partitionIndexes]) => ({ name, partitionIndexes })));
}

/** The records of the last batch written to the group's partition of __consumer_offsets. */
function lastRecords(h: Harness, groupId: string) {
  const batches = h.store.batches({ topic: GROUP_METADATA_TOPIC, partition: h.coordinator.partitionFor(groupId) });
  return [...decodeRecords(batches[batches.length - 1]!)].map((r) => decodeRecord(r.key, r.value));
}

test('a commit with generation -1 makes a simple group; fetch returns what was committed, -1 for the rest', async () => {
  const h = await harness();
  await topic(h, 't', 3);
  const r = await commit(h, 'simple', { t: [10, 20] }, { metadata: 'meta' });
  assert.deepEqual(r.map((t) => t.partitions.map((p) => errorName(p.errorCode))), [['NONE', 'NONE']]);
  const f = fetched(h, 'simple', { t: [0, 1, 2], other: [0] });
  assert.equal(errorName(f.errorCode), 'NONE');
  assert.deepEqual(f.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata]), [[10, 'meta'], [20, 'meta'], [-1, '']]);
  assert.deepEqual(f.topics[1]!.partitions.map((p) => p.committedOffset), [-1]);
  assert.deepEqual(fetched(h, 'simple', null).topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]), [['t', [10, 20]]]);
  // An unknown group reads as no offsets, without an error.
  assert.deepEqual(fetched(h, 'unknown', { t: [0] }).topics[0]!.partitions[0]!.committedOffset, -1);
  assert.deepEqual(fetched(h, 'unknown', null).topics, []);
  const listed = h.coordinator.listGroups([], []);
  assert.deepEqual(listed.groups, [{ groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
  // The records are Kafka's: OffsetCommitKey + OffsetCommitValue v3.
  const records = lastRecords(h, 'simple');
  assert.deepEqual(records.map((x) => x.type), ['offset-commit', 'offset-commit']);
});

test('offset.metadata.max.bytes: longer metadata is OFFSET_METADATA_TOO_LARGE for that partition only', async () => {
  const h = await harness({ metadataMaxSize: 10 });
  await topic(h, 't', 2);
  const r = await h.coordinator.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'x'.repeat(11) },
      { partitionIndex: 1, committedOffset: 2, committedLeaderEpoch: 4, commitTimestamp: -1, committedMetadata: 'y'.repeat(10) },
    ] }],
  }, 8);
  assert.deepEqual(r[0]!.partitions.map((p) => errorName(p.errorCode)), ['OFFSET_METADATA_TOO_LARGE', 'NONE']);
  const f = fetched(h, 'g', { t: [0, 1] }).topics[0]!.partitions;
  assert.equal(f[0]!.committedOffset, -1);
  assert.deepEqual([f[1]!.committedOffset, f[1]!.committedLeaderEpoch], [2, 4]);
});

test('commits to an unknown group with a generation: ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9', async () => {
  const h = await harness();
  await topic(h, 't', 1);
  assert.equal(errorName((await commit(h, 'g', { t: [1] }, { generation: 1, memberId: 'm' }, 8))[0]!.partitions[0]!.errorCode), 'ILLEGAL_GENERATION');
  assert.equal(errorName((await commit(h, 'g', { t: [1] }, { generation: 1, memberId: 'm' }, 9))[0]!.partitions[0]!.errorCode), 'GROUP_ID_NOT_FOUND');
  assert.equal(h.coordinator.group('g'), undefined);
});

test('commits are refused with REBALANCE_IN_PROGRESS between JoinGroup and SyncGroup', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 1);
  const a = await joinWithId(h);
  h.clock.advance(0);
  await a.joined;
  const r = await commit(h, 'g', { t: [1] }, { generation: 1, memberId: a.memberId });
  assert.equal(errorName(r[0]!.partitions[0]!.errorCode), 'REBALANCE_IN_PROGRESS');
});

test('OffsetCommit v2-4 retention time: the value carries an expire timestamp (v1) and expires then', async () => {
  const h = await harness({ retentionMs: 24 * 3600_000 });
  await topic(h, 't', 1);
  const r = await h.coordinator.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: 1000,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, 2);
  assert.equal(errorName(r[0]!.partitions[0]!.errorCode), 'NONE');
  const rec = lastRecords(h, 'g')[0]!;
  assert.ok(rec.type === 'offset-commit' && rec.value !== null);
  assert.equal(rec.value.expireTimestamp, h.clock.now() + 1000);
  h.clock.advance(999);
  h.coordinator.cleanupGroupMetadata();
  await settle();
  assert.equal(h.coordinator.committedOffset('g', 't', 0), 3);
  h.clock.advance(1);
  h.coordinator.cleanupGroupMetadata();
  await settle();
  assert.equal(h.coordinator.committedOffset('g', 't', 0), undefined);
});

test('offsets.retention.minutes: offsets of an empty group expire counting from when it emptied, then the group goes', async () => {
  const h = await harness({ retentionMs: 60_000, initialRebalanceDelayMs: 0 });
  await topic(h, 't', 1);
  const { memberId, joined } = await joinWithId(h, { sessionTimeoutMs: 50_000 });
  h.clock.advance(0);
  await joined;
  await sync(h, 'g', memberId, 1, []);
  await commit(h, 'g', { t: [7] }, { generation: 1, memberId });
  // The member never heartbeats: its session ends at 50 s and the group empties.
  h.clock.advance(50_000);
  await settle();
  assert.equal((h.coordinator.group('g') as ClassicGroup).state, 'Empty');
  h.clock.advance(20_000); // 70 s after the commit, 20 s after emptying
  h.coordinator.cleanupGroupMetadata();
  await settle();
  assert.equal(h.coordinator.committedOffset('g', 't', 0), 7, 'retention counts from when the group emptied');
  h.clock.advance(40_000);
  h.coordinator.cleanupGroupMetadata();
  await settle();
  assert.equal(h.coordinator.committedOffset('g', 't', 0), undefined);
  // All its offsets gone, the empty group goes in the same pass.
  assert.equal(h.coordinator.group('g'), undefined);
  assert.deepEqual(lastRecords(h, 'g'), [
    { type: 'offset-commit', key: { group: 'g', topic: 't', partition: 0 }, value: null },
    { type: 'group-metadata', key: { group: 'g' }, value: null },
  ]);
});

test('KIP-496: a stable consumer group\'s offsets of topics it no longer reads expire; the others stay', async () => {
  const h = await harness({ retentionMs: 60_000, initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 1_000_000 });
  await topic(h, 'read', 1);
  await topic(h, 'old', 1);
  await commit(h, 'g', { read: [1], old: [2] });
  const { memberId, joined } = await joinWithId(h, { sessionTimeoutMs: 900_000, protocols: [{ name: 'range', metadata: subscription(['read']) }] });
  h.clock.advance(0);
  await joined;
  await sync(h, 'g', memberId, 1, []);
  h.clock.advance(61_000);
  h.coordinator.cleanupGroupMetadata();
  await settle();
  assert.equal(h.coordinator.committedOffset('g', 'old', 0), undefined);
  assert.equal(h.coordinator.committedOffset('g', 'read', 0), 1);
});

test('OffsetDelete: empty groups lose the named offsets; consumer groups only for topics nobody subscribes to', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 2);
  await topic(h, 'u', 1);
  await commit(h, 'g', { t: [1], u: [2] });
  const r = await h.coordinator.deleteOffsets('g', [{ name: 't', partitions: [0, 1] }]);
  assert.equal(errorName(r.errorCode), 'NONE');
  // Partition 1 had no offset: answered NONE all the same, but no tombstone is written for it.
  assert.deepEqual(r.topics, [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }, { partitionIndex: 1, errorCode: ErrorCode.NONE }] }]);
  assert.deepEqual(lastRecords(h, 'g'), [{ type: 'offset-commit', key: { group: 'g', topic: 't', partition: 0 }, value: null }]);
  assert.equal(h.coordinator.committedOffset('g', 't', 0), undefined);

  const m = await stableConsumer(h, 'g', ['u']);
  assert.ok(m);
  await commit(h, 'g', { t: [5] }, { generation: 1, memberId: m });
  const sub = await h.coordinator.deleteOffsets('g', [{ name: 'u', partitions: [0] }, { name: 't', partitions: [0] }]);
  assert.deepEqual(sub.topics.map((t) => [t.name, t.partitions.map((p) => errorName(p.errorCode))]), [['u', ['GROUP_SUBSCRIBED_TO_TOPIC']], ['t', ['NONE']]]);
  assert.equal(h.coordinator.committedOffset('g', 'u', 0), 2);

  await stableConsumer(h, 'connect-like', ['t'], 'connect');
  assert.equal(errorName((await h.coordinator.deleteOffsets('connect-like', [{ name: 't', partitions: [0] }])).errorCode), 'NON_EMPTY_GROUP');
  assert.equal(errorName((await h.coordinator.deleteOffsets('nope', [])).errorCode), 'GROUP_ID_NOT_FOUND');
  assert.equal(errorName((await h.coordinator.deleteOffsets('', [])).errorCode), 'INVALID_GROUP_ID');
});

test('DeleteGroups: empty groups go with their offsets; active ones are NON_EMPTY_GROUP; unknown ones GROUP_ID_NOT_FOUND', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 1);
  await commit(h, 'empty', { t: [4] });
  await stableConsumer(h, 'busy', ['t']);
  const r = await h.coordinator.deleteGroups(['empty', 'busy', 'nope', 'empty']);
  assert.deepEqual(r.map((x) => [x.groupId, errorName(x.errorCode)]), [['empty', 'NONE'], ['busy', 'NON_EMPTY_GROUP'], ['nope', 'GROUP_ID_NOT_FOUND']]);
  assert.equal(h.coordinator.group('empty'), undefined);
  assert.equal(fetched(h, 'empty', { t: [0] }).topics[0]!.partitions[0]!.committedOffset, -1);
  const records = lastRecords(h, 'empty');
  assert.deepEqual(records.map((x) => [x.type, x.type === 'unknown' ? null : x.value]), [['offset-commit', null], ['group-metadata', null]]);
});

test('ListGroups filters by state (any case) and type; DescribeGroups shows members, metadata only when Stable', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 1);
  await commit(h, 'simple', { t: [1] });
  const m = await stableConsumer(h, 'stable', ['t']);
  const byState = h.coordinator.listGroups(['STABLE', ' empty '], []).groups.map((g) => g.groupId).sort();
  assert.deepEqual(byState, ['simple', 'stable']);
  assert.deepEqual(h.coordinator.listGroups(['stable'], []).groups.map((g) => [g.groupId, g.protocolType, g.groupState]), [['stable', 'consumer', 'Stable']]);
  assert.equal(h.coordinator.listGroups([], ['Classic']).groups.length, 2);
  assert.equal(h.coordinator.listGroups([], ['consumer']).groups.length, 0);
  assert.equal(h.coordinator.listGroups([], ['bogus']).groups.length, 0);

  const [stable, dead] = h.coordinator.describeGroups(['stable', 'nope']);
  assert.equal(stable!.groupState, 'Stable');
  assert.equal(stable!.protocolData, 'range');
  assert.equal(stable!.members[0]!.memberId, m);
  assert.equal(stable!.members[0]!.clientHost, '/127.0.0.1');
  assert.deepEqual(stable!.members[0]!.memberMetadata, subscription(['t']));
  assert.deepEqual(dead, { errorCode: ErrorCode.NONE, groupId: 'nope', groupState: 'Dead', protocolType: '', protocolData: '', members: [] });

  // Rebalancing: members listed, metadata and assignment withheld.
  const joining = h.coordinator.joinGroup(info(3), joinRequest({ groupId: 'stable' }));
  await settle();
  const [rebalancing] = h.coordinator.describeGroups(['stable']);
  assert.equal(rebalancing!.groupState, 'PreparingRebalance');
  assert.equal(rebalancing!.protocolData, '');
  assert.ok(rebalancing!.members.every((x) => x.memberMetadata.length === 0 && x.memberAssignment.length === 0));
  void joining;
});

test('a failed write is answered with Kafka\'s mapped error and changes nothing', async () => {
  const h = await harness();
  await topic(h, 't', 1);
  await commit(h, 'g', { t: [1] });
  const cases: [ErrorCode, string][] = [
    [ErrorCode.NOT_LEADER_OR_FOLLOWER, 'NOT_COORDINATOR'],
    [ErrorCode.KAFKA_STORAGE_ERROR, 'NOT_COORDINATOR'],
    [ErrorCode.MESSAGE_TOO_LARGE, 'UNKNOWN_SERVER_ERROR'],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'COORDINATOR_NOT_AVAILABLE'],
  ];
  for (const [injected, expected] of cases) {
    h.store.failNextAppend = injected;
    const r = await commit(h, 'g', { t: [99] });
    assert.equal(errorName(r[0]!.partitions[0]!.errorCode), expected);
    assert.equal(h.coordinator.committedOffset('g', 't', 0), 1);
  }
});

test('a write that does not become durable within offsets.commit.timeout.ms is COORDINATOR_NOT_AVAILABLE', async () => {
  const h = await harness({ commitTimeoutMs: 30 });
  await topic(h, 't', 1);
  h.store.holdDurability = true;
  const r = await commit(h, 'g', { t: [1] });
  assert.equal(errorName(r[0]!.partitions[0]!.errorCode), 'COORDINATOR_NOT_AVAILABLE');
});

test('the leader\'s assignment failing to persist sends every waiting member the error', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h);
  const b = await joinWithId(h);
  h.clock.advance(0);
  await Promise.all([a.joined, b.joined]);
  const follower = sync(h, 'g', b.memberId, 1);
  await settle();
  h.store.failNextAppend = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const leader = await sync(h, 'g', a.memberId, 1, []);
  assert.equal(errorName(leader.errorCode), 'NOT_COORDINATOR');
  assert.equal(errorName((await follower).errorCode), 'NOT_COORDINATOR');
  assert.equal((h.coordinator.group('g') as ClassicGroup).state, 'PreparingRebalance');
});
