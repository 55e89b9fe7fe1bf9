// KIP-848 consumer groups in __consumer_offsets: what a heartbeat writes (only
// what changed, in Kafka's record order), and a coordinator started over the
// same log rebuilding the group (epochs, members, target and current
// assignments, revocations in progress, static members) so that members carry
// on with their epochs; departed members and deleted groups stay gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { beat, describe, hb, join, logRecords, restart, short } from './consumer-helpers.js';
import { fakeTopicId } from './fake-store.js';
import { harness, info, settle } from './helpers.js';

test('a join writes member metadata, partition metadata, group epoch, target assignment and current assignment, in Kafka\'s order', async () => {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 2, configs: {}, validateOnly: false });
  await join(h, 'a');
  assert.deepEqual(logRecords(h).map(short), [
    'member-metadata(a)', 'partition-metadata', 'metadata', 'target-assignment-member(a)', 'target-assignment-metadata', 'current-member-assignment(a)',
  ]);
  const [member, partitions, epoch, target, , current] = logRecords(h);
  assert.deepEqual(member!.value, {
    instanceId: null, rackId: null, clientId: 'client', clientHost: '/127.0.0.1', subscribedTopicNames: ['t'], subscribedTopicRegex: null,
    rebalanceTimeoutMs: 30_000, serverAssignor: null, classicMemberMetadata: null,
  });
  assert.deepEqual(partitions!.value, { topics: [{ topicId: fakeTopicId('t'), topicName: 't', numPartitions: 2 }] });
  assert.deepEqual(epoch!.value, { epoch: 1 });
  assert.deepEqual(target!.value, { topicPartitions: [{ topicId: fakeTopicId('t'), partitions: [0, 1] }] });
  assert.deepEqual(current!.value, {
    memberEpoch: 1, previousMemberEpoch: 0, state: 0, assignedPartitions: [{ topicId: fakeTopicId('t'), partitions: [0, 1] }], partitionsPendingRevocation: [],
  });

  // A heartbeat that changes nothing writes nothing.
  const appends = h.store.appends;
  assert.equal((await beat(h, 'a', 1, [0, 1])).errorCode, ErrorCode.NONE);
  assert.equal(h.store.appends, appends);

  // A second member: a's revocation and b's (empty, unreleased) assignment are written, the untouched records are not.
  const before = logRecords(h).length;
  await join(h, 'b');
  assert.deepEqual(logRecords(h).slice(before).map(short), [
    'member-metadata(b)', 'metadata', 'target-assignment-member(a)', 'target-assignment-member(b)', 'target-assignment-metadata', 'current-member-assignment(b)',
  ]);
});

test('a restarted coordinator replays the group: same epochs and assignments, a revocation in progress, members carry on', async () => {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 4, configs: {}, validateOnly: false });
  await join(h, 'a', { instanceId: 'i-a' });
  await join(h, 'b');
  // a is asked to revoke two partitions and has not confirmed yet.
  const revoking = await beat(h, 'a', 1, [0, 1, 2, 3]);
  assert.equal(revoking.assignment?.topicPartitions[0]?.partitions.length, 2);
  const committed = await h.coordinator.commitOffsets({
    groupId: 'cg', generationIdOrMemberEpoch: 1, memberId: 'a', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, 9);
  assert.equal(committed[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  const described = describe(h);
  assert.equal(described.state, 'Reconciling');

  const again = await restart(h);
  assert.deepEqual(describe(again), described);
  assert.equal(again.coordinator.group('cg')!.type, 'consumer');
  assert.equal(again.coordinator.committedOffset('cg', 't', 0), 42);
  // b still waits for a; a confirms the revocation with its epoch, then b gets the partitions.
  assert.equal((await beat(again, 'b', 2, [])).assignment, null);
  const done = await beat(again, 'a', 1, revoking.assignment!.topicPartitions[0]!.partitions);
  assert.deepEqual([ErrorCode[done.errorCode], done.memberEpoch], ['NONE', 2]);
  const got = await beat(again, 'b', 2, []);
  assert.equal(got.assignment?.topicPartitions[0]?.partitions.length, 2);
  // The static member's instance id is still taken.
  const dup = await again.coordinator.consumerGroupHeartbeat(info(1), hb({ memberId: 'x', instanceId: 'i-a', rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }));
  assert.equal(ErrorCode[dup.errorCode], 'UNRELEASED_INSTANCE_ID');
});

test('after a restart a member that does not come back is fenced by its session timeout', async () => {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 2, configs: {}, validateOnly: false });
  await join(h, 'a');
  await join(h, 'b');
  await beat(h, 'a', 1, [0, 1]);
  const again = await restart(h);
  again.clock.advance(30_000);
  assert.equal((await beat(again, 'b', 2, [])).errorCode, ErrorCode.NONE);
  again.clock.advance(20_000);
  await settle();
  assert.equal(ErrorCode[(await beat(again, 'a', 1, null)).errorCode], 'UNKNOWN_MEMBER_ID');
  const b = await beat(again, 'b', 2, []);
  assert.ok(b.memberEpoch > 2);
  assert.deepEqual(b.assignment?.topicPartitions[0]?.partitions, [0, 1]);
});

test('a member that left and a deleted group stay gone after a restart', async () => {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 2, configs: {}, validateOnly: false });
  await join(h, 'a');
  await join(h, 'b');
  const left = await beat(h, 'b', -1, null);
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.deepEqual(logRecords(h).slice(-4).map(short), [
    'current-member-assignment(b) tombstone', 'target-assignment-member(b) tombstone', 'member-metadata(b) tombstone', 'metadata',
  ]);
  let again = await restart(h);
  assert.deepEqual(describe(again).members.map((m) => m.id), ['a']);
  assert.equal(describe(again).groupEpoch, 3);

  assert.equal((await beat(again, 'a', -1, null)).errorCode, ErrorCode.NONE);
  assert.deepEqual((await again.coordinator.deleteGroups(['cg']))[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual(logRecords(again).slice(-3).map(short), ['target-assignment-metadata tombstone', 'partition-metadata tombstone', 'metadata tombstone']);
  assert.equal(again.coordinator.group('cg'), undefined);
  again = await restart(again);
  assert.equal(again.coordinator.group('cg'), undefined);
  assert.equal(ErrorCode[again.coordinator.consumerGroupDescribe(['cg'])[0]!.errorCode], 'GROUP_ID_NOT_FOUND');
});

test('offsets replayed before the group\'s records make no classic group: the consumer group replaces the simple one', async () => {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 1, configs: {}, validateOnly: false });
  // Offsets committed without membership first (a simple group), then members of the consumer protocol.
  await h.coordinator.commitOffsets({
    groupId: 'cg', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, 9);
  await join(h, 'a');
  const again = await restart(h);
  assert.equal(again.coordinator.group('cg')!.type, 'consumer');
  assert.equal(again.coordinator.committedOffset('cg', 't', 0), 3);
  assert.equal(describe(again).members[0]!.epoch, 1);
});

test('records that could not be written are written again with the next change, so a restart still finds the group as it is', async () => {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 2, configs: {}, validateOnly: false });
  await join(h, 'a');
  h.store.failNextAppend = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  const failed = await h.coordinator.consumerGroupHeartbeat(info(1), hb({ memberId: 'b', rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [] }));
  assert.equal(ErrorCode[failed.errorCode], 'NOT_COORDINATOR');
  // The client retries its join; everything b's first join should have written is written now.
  await join(h, 'b');
  await beat(h, 'a', 1, [0, 1]);
  const described = describe(h);
  assert.deepEqual(described.members.map((m) => [m.id, m.topics]), [['a', ['t']], ['b', ['t']]]);
  const again = await restart(h);
  assert.deepEqual(describe(again), described);

  // A failed leave: its tombstones are written with the next change.
  h.store.failNextAppend = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  assert.equal(ErrorCode[(await beat(again, 'b', -1, null)).errorCode], 'NOT_COORDINATOR');
  await beat(again, 'a', describe(again).members[0]!.epoch, null);
  const third = await restart(again);
  assert.deepEqual(describe(third).members.map((m) => m.id), ['a']);
});
