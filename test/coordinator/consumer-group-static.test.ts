// KIP-848 static membership (group.instance.id) in consumer groups, as Kafka 4
// answers it: a leave with epoch -2 keeps the member and its partitions for
// the session timeout, the instance coming back under a new member id takes
// them over at once without a new group epoch, and the instance id errors
// (UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID); and
// group.consumer.max.size (GROUP_MAX_SIZE_REACHED).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { beat, describe, hb, join, logRecords, restart, short } from './consumer-helpers.js';
import { harness, info, settle, type Harness } from './helpers.js';

async function twoMembers(): Promise<Harness> {
  const h = await harness();
  await h.store.createTopic({ name: 't', partitions: 4, configs: {}, validateOnly: false });
  await join(h, 'a', { instanceId: 'i-a' });
  await join(h, 'b', { instanceId: 'i-b' });
  // a gives two partitions up; then b gets them: a Stable group at epoch 2, two partitions each.
  const revoke = await beat(h, 'a', 1, [0, 1, 2, 3], { instanceId: 'i-a' });
  await beat(h, 'a', 1, revoke.assignment!.topicPartitions[0]!.partitions, { instanceId: 'i-a' });
  await beat(h, 'b', 2, [], { instanceId: 'i-b' });
  const d = describe(h);
  assert.deepEqual([d.state, d.groupEpoch, d.members.map((m) => m.assigned[0]?.length)], ['Stable', 2, [2, 2]]);
  return h;
}

test('a static member leaving with -2 keeps its partitions; its instance coming back under a new member id takes them over', async () => {
  const h = await twoMembers();
  const aPartitions = describe(h).members.find((m) => m.id === 'a')!.assigned;
  const left = await beat(h, 'a', -2, null, { instanceId: 'i-a' });
  assert.deepEqual([ErrorCode[left.errorCode], left.memberId, left.memberEpoch, left.assignment], ['NONE', 'a', -2, null]);
  assert.deepEqual(logRecords(h).slice(-1).map(short), ['current-member-assignment(a)'], 'only the member epoch -2 is written');
  const d = describe(h);
  assert.deepEqual([d.groupEpoch, d.members.find((m) => m.id === 'a')!.epoch, d.members.find((m) => m.id === 'a')!.assigned], [2, -2, aPartitions]);
  // The other member gets nothing more meanwhile.
  const b = await beat(h, 'b', 2, describe(h).members.find((m) => m.id === 'b')!.assigned[0]!, { instanceId: 'i-b' });
  assert.deepEqual([b.memberEpoch, b.assignment], [2, null]);

  // The instance comes back (a new JVM names a new member id): same partitions, same group epoch.
  const before = logRecords(h).length;
  const back = await join(h, 'a2', { instanceId: 'i-a' });
  assert.equal(back.memberEpoch, 2);
  assert.deepEqual(back.assignment!.topicPartitions[0]!.partitions, aPartitions[0]);
  assert.deepEqual(logRecords(h).slice(before).map(short), [
    'current-member-assignment(a) tombstone', 'target-assignment-member(a) tombstone', 'member-metadata(a) tombstone',
    'member-metadata(a2)', 'target-assignment-member(a2)', 'current-member-assignment(a2)',
  ]);
  const after = describe(h);
  assert.deepEqual([after.state, after.groupEpoch, after.members.map((m) => m.id)], ['Stable', 2, ['a2', 'b']]);
  // The old member id is fenced by the new one.
  const old = await beat(h, 'a', 2, null, { instanceId: 'i-a' });
  assert.equal(ErrorCode[old.errorCode], 'FENCED_INSTANCE_ID');
  assert.match(old.errorMessage!, /was fenced by member a2/);
});

test('a static member that left with -2 and does not come back is fenced by its session timeout; its partitions move', async () => {
  const h = await twoMembers();
  await beat(h, 'a', -2, null, { instanceId: 'i-a' });
  h.clock.advance(30_000);
  await beat(h, 'b', 2, null, { instanceId: 'i-b' });
  h.clock.advance(16_000);
  await settle();
  const d = describe(h);
  assert.deepEqual([d.groupEpoch, d.members.map((m) => m.id)], [3, ['b']]);
  const b = await beat(h, 'b', 2, null, { instanceId: 'i-b' });
  assert.deepEqual([b.memberEpoch, b.assignment!.topicPartitions[0]!.partitions.length], [3, 4]);
});

test('the -2 leave survives a restart: the instance takes its partitions over from the restarted coordinator', async () => {
  const h = await twoMembers();
  const aPartitions = describe(h).members.find((m) => m.id === 'a')!.assigned;
  await beat(h, 'a', -2, null, { instanceId: 'i-a' });
  const again = await restart(h);
  assert.equal(describe(again).members.find((m) => m.id === 'a')!.epoch, -2);
  const back = await join(again, 'a2', { instanceId: 'i-a' });
  assert.deepEqual([back.memberEpoch, back.assignment!.topicPartitions[0]!.partitions], [2, aPartitions[0]]);
});

test('instance id errors: unreleased, fenced, unknown', async () => {
  const h = await twoMembers();
  const codes = async (r: Promise<{ errorCode: ErrorCode; errorMessage: string | null }>) => {
    const x = await r;
    return [ErrorCode[x.errorCode], x.errorMessage];
  };
  // Joining under an instance id still in use (its member did not leave with -2).
  assert.deepEqual(await codes(h.coordinator.consumerGroupHeartbeat({ clientId: 'c', clientHost: '/h', apiVersion: 1 }, {
    groupId: 'cg', memberId: 'x', memberEpoch: 0, instanceId: 'i-a', rackId: null, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'],
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
  })), ['UNRELEASED_INSTANCE_ID', 'Static member x with instance id i-a cannot join the group because the instance id is owned by a member.']);
  // Heartbeats and leaves under someone else's instance id, or an unknown one.
  assert.deepEqual(await codes(beat(h, 'b', 2, null, { instanceId: 'i-a' })), ['FENCED_INSTANCE_ID', 'Static member b with instance id i-a was fenced by member a.']);
  assert.deepEqual(await codes(beat(h, 'b', -2, null, { instanceId: 'i-a' })), ['FENCED_INSTANCE_ID', 'Static member b with instance id i-a was fenced by member a.']);
  assert.deepEqual(await codes(beat(h, 'a', 2, null, { instanceId: 'i-z' })), ['UNKNOWN_MEMBER_ID', 'Instance id i-z is unknown.']);
  assert.deepEqual(await codes(beat(h, 'a', -2, null, { instanceId: 'i-z' })), ['UNKNOWN_MEMBER_ID', 'Instance id i-z is unknown.']);
  // -2 needs an instance id; -1 with the instance id leaves for good.
  assert.equal(ErrorCode[(await beat(h, 'b', -2, null)).errorCode], 'INVALID_REQUEST');
  const gone = await beat(h, 'b', -1, null, { instanceId: 'i-b' });
  assert.deepEqual([ErrorCode[gone.errorCode], gone.memberEpoch], ['NONE', -1]);
  assert.deepEqual([describe(h).groupEpoch, describe(h).members.map((m) => m.id)], [3, ['a']]);
  // Nothing changed for the others meanwhile.
  assert.equal((await beat(h, 'a', 2, null, { instanceId: 'i-a' })).errorCode, ErrorCode.NONE);
});

test('group.consumer.max.size: a member beyond it gets GROUP_MAX_SIZE_REACHED; members already in carry on', async () => {
  const h = await harness({ consumerMaxSize: 2 });
  await h.store.createTopic({ name: 't', partitions: 2, configs: {}, validateOnly: false });
  await join(h, 'a');
  await join(h, 'b');
  const third = await h.coordinator.consumerGroupHeartbeat(info(1), hb({ memberId: 'c', rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }));
  assert.deepEqual([ErrorCode[third.errorCode], third.errorMessage], ['GROUP_MAX_SIZE_REACHED', 'The consumer group has reached its maximum capacity of 2 members.']);
  assert.equal((await beat(h, 'a', 1, null)).errorCode, ErrorCode.NONE);
  // Once a member leaves there is room again.
  assert.equal((await beat(h, 'b', -1, null)).errorCode, ErrorCode.NONE);
  assert.equal((await join(h, 'c')).errorCode, ErrorCode.NONE);
});

test('v0: a -2 leave without a member id is fenced by the instance id\'s member, as Kafka validates it', async () => {
  const h = await twoMembers();
  const r = await h.coordinator.consumerGroupHeartbeat(info(0), hb({ memberId: '', memberEpoch: -2, instanceId: 'i-a' }));
  assert.deepEqual([ErrorCode[r.errorCode], r.errorMessage], ['FENCED_INSTANCE_ID', 'Static member  with instance id i-a was fenced by member a.']);
});
