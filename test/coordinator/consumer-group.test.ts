// KIP-848 consumer groups in the coordinator, on the in-memory store with the
// fake clock: joining, epochs, revocation before assignment, fencing, session
// timeouts, leaving, metadata changes, offsets with member epochs, and
// coexistence with classic groups.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import type { HeartbeatRequest, HeartbeatResult, TopicPartitions } from '../../src/coordinator/consumer-group-manager.js';
import { fakeTopicId } from './fake-store.js';
import { harness, info, joinWithId, settle, type Harness } from './helpers.js';

function hb(fields: Partial<HeartbeatRequest>): HeartbeatRequest {
  return {
    groupId: 'cg', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
    subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, ...fields,
  };
}

async function join(h: Harness, topics: string[], fields: Partial<HeartbeatRequest> = {}, version = 0): Promise<HeartbeatResult> {
  const r = await h.coordinator.consumerGroupHeartbeat(info(version), hb({ rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [], ...fields }));
  assert.equal(ErrorCode[r.errorCode], 'NONE', r.errorMessage ?? '');
  return r;
}

function beat(h: Harness, memberId: string, memberEpoch: number, owned: TopicPartitions[] | null, fields: Partial<HeartbeatRequest> = {}): Promise<HeartbeatResult> {
  return h.coordinator.consumerGroupHeartbeat(info(0), hb({ memberId, memberEpoch, topicPartitions: owned, ...fields }));
}

/** "topic-id:p" strings of an assignment, sorted (fake topic ids without their padding: "id-t:0"). */
function flat(a: { topicPartitions: TopicPartitions[] } | null): string[] {
  assert.ok(a !== null, 'an assignment was sent');
  return a.topicPartitions.flatMap((t) => t.partitions.map((p) => `${t.topicId.replace(/A+$/, '')}:${p}`)).sort();
}

async function withTopic(name: string, partitions: number, config = {}): Promise<Harness> {
  const h = await harness(config);
  await h.store.createTopic({ name, partitions, configs: {}, validateOnly: false });
  return h;
}

test('a first member joins with epoch 0: the coordinator names it (v0), bumps the epoch and assigns every partition', async () => {
  const h = await withTopic('t', 3);
  const r = await join(h, ['t']);
  assert.match(r.memberId!, /^[A-Za-z0-9_-]{22}$/, 'a Kafka Uuid string, as Kafka names members');
  assert.equal(r.memberEpoch, 1);
  assert.equal(r.heartbeatIntervalMs, 5000);
  assert.deepEqual(flat(r.assignment), ['id-t:0', 'id-t:1', 'id-t:2']);
  // Nothing changed: a plain heartbeat gets no assignment.
  const again = await beat(h, r.memberId!, 1, null);
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.memberEpoch, 1);
  assert.equal(again.assignment, null);
  const d = h.coordinator.consumerGroupDescribe(['cg'])[0]!;
  assert.deepEqual([d.groupState, d.groupEpoch, d.assignmentEpoch, d.assignorName], ['Stable', 1, 1, 'uniform']);
  assert.deepEqual(d.members[0]!.assignment.topicPartitions, [{ topicId: fakeTopicId('t'), topicName: 't', partitions: [0, 1, 2] }]);
});

test('v1 (KIP-1082): the client names the member and must send its id', async () => {
  const h = await withTopic('t', 1);
  const missing = await h.coordinator.consumerGroupHeartbeat(info(1), hb({ rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [] }));
  assert.equal(ErrorCode[missing.errorCode], 'INVALID_REQUEST');
  const r = await join(h, ['t'], { memberId: 'client-chosen' }, 1);
  assert.equal(r.memberId, 'client-chosen');
});

test('invalid requests: first heartbeat without rebalance timeout or subscription, bad epoch, unknown assignor, empty group id', async () => {
  const h = await withTopic('t', 1);
  const codes = await Promise.all([
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ subscribedTopicNames: ['t'], topicPartitions: [] })),
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ rebalanceTimeoutMs: 1000, topicPartitions: [] })),
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: null })),
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ memberId: 'm', memberEpoch: -3 })),
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [], serverAssignor: 'sticky' })),
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ groupId: '', rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] })),
    h.coordinator.consumerGroupHeartbeat(info(0), hb({ memberId: 'nobody', memberEpoch: 3, topicPartitions: [] })),
  ]);
  assert.deepEqual(codes.map((c) => ErrorCode[c.errorCode]), [
    'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'UNSUPPORTED_ASSIGNOR', 'INVALID_REQUEST', 'UNKNOWN_MEMBER_ID',
  ]);
  assert.match(codes[0]!.errorMessage!, /RebalanceTimeoutMs/);
});

test('a second member: the first revokes before the second gets the partitions, each epoch moving in turn', async () => {
  const h = await withTopic('t', 4);
  const a = await join(h, ['t']);
  const all = [{ topicId: fakeTopicId('t'), partitions: [0, 1, 2, 3] }];
  const b = await join(h, ['t']);
  assert.equal(b.memberEpoch, 2);
  // Every partition is still owned by the first member: the second gets none yet.
  assert.deepEqual(b.assignment, { topicPartitions: [] });
  assert.equal(h.coordinator.consumerGroupDescribe(['cg'])[0]!.groupState, 'Reconciling');

  // The first member is asked to give up two partitions and keeps its epoch until it has.
  const revoke = await beat(h, a.memberId!, 1, all);
  assert.equal(revoke.memberEpoch, 1);
  const kept = flat(revoke.assignment);
  assert.equal(kept.length, 2);
  const stillOwning = await beat(h, a.memberId!, 1, all);
  assert.equal(stillOwning.memberEpoch, 1, 'no new epoch while the revoked partitions are still owned');

  // The second member still cannot have them.
  const waiting = await beat(h, b.memberId!, 2, []);
  assert.equal(waiting.assignment, null);

  const keptWire = [{ topicId: fakeTopicId('t'), partitions: kept.map((k) => Number(k.split(':')[1])) }];
  const done = await beat(h, a.memberId!, 1, keptWire);
  assert.equal(done.memberEpoch, 2);
  const got = await beat(h, b.memberId!, 2, []);
  const other = flat(got.assignment);
  assert.equal(other.length, 2);
  assert.deepEqual([...kept, ...other].sort(), ['id-t:0', 'id-t:1', 'id-t:2', 'id-t:3']);
  await beat(h, b.memberId!, 2, got.assignment!.topicPartitions);
  assert.equal(h.coordinator.consumerGroupDescribe(['cg'])[0]!.groupState, 'Stable');
});

test('member epochs: a greater epoch is fenced, a lost response lets the previous epoch through', async () => {
  const h = await withTopic('t', 2);
  const a = await join(h, ['t']);
  const fenced = await beat(h, a.memberId!, 5, []);
  assert.equal(ErrorCode[fenced.errorCode], 'FENCED_MEMBER_EPOCH');
  // Epoch 1 -> 2 after a second member joins (and the first revokes); the first then retries with epoch 1 owning a subset.
  const b = await join(h, ['t']);
  const rev = await beat(h, a.memberId!, 1, [{ topicId: fakeTopicId('t'), partitions: [0, 1] }]);
  const keep = rev.assignment!.topicPartitions;
  const moved = await beat(h, a.memberId!, 1, keep);
  assert.equal(moved.memberEpoch, 2);
  const retried = await beat(h, a.memberId!, 1, keep);
  assert.equal(ErrorCode[retried.errorCode], 'NONE', 'the previous epoch with owned partitions within the assignment is accepted');
  const stale = await beat(h, a.memberId!, 1, [{ topicId: fakeTopicId('t'), partitions: [0, 1] }]);
  assert.equal(ErrorCode[stale.errorCode], 'FENCED_MEMBER_EPOCH', 'the previous epoch owning more than assigned is fenced');
  assert.ok(b.memberId);
});

test('the session timeout fences a silent member and the others take its partitions', async () => {
  const h = await withTopic('t', 2, { consumerSessionTimeoutMs: 10_000 });
  const a = await join(h, ['t']);
  const b = await join(h, ['t']);
  const rev = await beat(h, a.memberId!, 1, [{ topicId: fakeTopicId('t'), partitions: [0, 1] }]);
  await beat(h, a.memberId!, 1, rev.assignment!.topicPartitions);
  const bGot = await beat(h, b.memberId!, 2, []);
  assert.equal(flat(bGot.assignment).length, 1);

  // b heartbeats, a goes silent.
  h.clock.advance(6000);
  await beat(h, b.memberId!, 2, bGot.assignment!.topicPartitions);
  h.clock.advance(6000);
  await settle();
  const d = h.coordinator.consumerGroupDescribe(['cg'])[0]!;
  assert.deepEqual(d.members.map((m) => m.memberId), [b.memberId]);
  const after = await beat(h, b.memberId!, 2, bGot.assignment!.topicPartitions);
  assert.equal(after.memberEpoch, 3, "epoch 1: a joined, 2: b joined, 3: a fenced");
  assert.deepEqual(flat(after.assignment), ['id-t:0', 'id-t:1']);
  const gone = await beat(h, a.memberId!, 2, []);
  assert.equal(ErrorCode[gone.errorCode], 'UNKNOWN_MEMBER_ID');
});

test('leaving with epoch -1 gives the partitions back at once; the group ends Empty', async () => {
  const h = await withTopic('t', 2);
  const a = await join(h, ['t']);
  const left = await beat(h, a.memberId!, -1, null);
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(left.memberEpoch, -1);
  const d = h.coordinator.consumerGroupDescribe(['cg'])[0]!;
  // As Kafka 4.1: the epoch moves, the (empty) target assignment waits for a heartbeat.
  assert.deepEqual([d.groupState, d.members.length, d.groupEpoch, d.assignmentEpoch], ['Empty', 0, 2, 1]);
  assert.deepEqual(h.coordinator.listGroups([], []).groups.map((g) => [g.groupId, g.groupType, g.protocolType, g.groupState]), [['cg', 'consumer', 'consumer', 'Empty']]);
  assert.deepEqual((await h.coordinator.deleteGroups(['cg'])).map((r) => ErrorCode[r.errorCode]), ['NONE']);
  assert.deepEqual(h.coordinator.listGroups([], []).groups, [], 'a deleted consumer group is gone');
  assert.deepEqual(h.coordinator.consumerGroupDescribe(['cg']).map((g) => ErrorCode[g.errorCode]), ['GROUP_ID_NOT_FOUND']);
});

test('partitions added to a subscribed topic bump the group epoch and are assigned', async () => {
  const h = await withTopic('t', 2);
  const a = await join(h, ['t']);
  h.store.getTopic('t')!.partitionCount = 3;
  const r = await beat(h, a.memberId!, 1, a.assignment!.topicPartitions);
  assert.equal(r.memberEpoch, 2);
  assert.deepEqual(flat(r.assignment), ['id-t:0', 'id-t:1', 'id-t:2']);
});

test('a subscription change and the range assignor', async () => {
  const h = await withTopic('t', 3);
  await h.store.createTopic({ name: 'u', partitions: 2, configs: {}, validateOnly: false });
  const a = await join(h, ['t'], { serverAssignor: 'range' });
  assert.deepEqual(flat(a.assignment), ['id-t:0', 'id-t:1', 'id-t:2']);
  const r = await beat(h, a.memberId!, 1, a.assignment!.topicPartitions, { subscribedTopicNames: ['t', 'u'] });
  assert.equal(r.memberEpoch, 2);
  assert.deepEqual(flat(r.assignment), ['id-t:0', 'id-t:1', 'id-t:2', 'id-u:0', 'id-u:1']);
  assert.equal(h.coordinator.consumerGroupDescribe(['cg'])[0]!.assignorName, 'range');
});

test('a regex subscription matches whole topic names', async () => {
  const h = await withTopic('orders-1', 1);
  await h.store.createTopic({ name: 'orders-2', partitions: 1, configs: {}, validateOnly: false });
  await h.store.createTopic({ name: 'xorders-3', partitions: 1, configs: {}, validateOnly: false });
  const a = await join(h, [], { subscribedTopicNames: null, subscribedTopicRegex: 'orders-.*' });
  assert.deepEqual(flat(a.assignment), ['id-orders-1:0', 'id-orders-2:0']);
  const bad = await h.coordinator.consumerGroupHeartbeat(info(0), hb({ rebalanceTimeoutMs: 1, subscribedTopicRegex: '(', topicPartitions: [] }));
  assert.equal(bad.errorCode, 128, 'INVALID_REGULAR_EXPRESSION, as Kafka 4.1 answers');
});

test('offsets: commits and fetches carry the member epoch (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID)', async () => {
  const h = await withTopic('t', 1);
  const a = await join(h, ['t']);
  const commit = (memberId: string, epoch: number, version = 9) => h.coordinator.commitOffsets({
    groupId: 'cg', generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, version).then((r) => ErrorCode[r[0]!.partitions[0]!.errorCode]);
  assert.equal(await commit(a.memberId!, 0), 'STALE_MEMBER_EPOCH');
  assert.equal(await commit('someone', 1), 'UNKNOWN_MEMBER_ID');
  assert.equal(await commit(a.memberId!, 1, 8), 'UNSUPPORTED_VERSION');
  assert.equal(await commit(a.memberId!, 1), 'NONE');
  assert.equal(h.coordinator.committedOffset('cg', 't', 0), 42);
  assert.equal(await commit('', -1), 'UNKNOWN_MEMBER_ID', 'no admin commits while the group has members');

  const fetch = (memberId: string | null, epoch: number) => h.coordinator.fetchOffsets('cg', memberId, epoch, [{ name: 't', partitionIndexes: [0] }]);
  assert.equal(ErrorCode[fetch(a.memberId!, 0).errorCode], 'STALE_MEMBER_EPOCH');
  assert.equal(fetch(a.memberId!, 1).topics[0]!.partitions[0]!.committedOffset, 42);
  assert.equal(fetch(null, -1).topics[0]!.partitions[0]!.committedOffset, 42, 'the admin client reads without a member');

  await beat(h, a.memberId!, -1, null);
  assert.equal(await commit('', -1), 'NONE', 'an empty group takes admin commits');
});

test('classic and consumer groups: a non-empty classic group refuses heartbeats (upgrade disabled), an empty one becomes a consumer group keeping its offsets', async () => {
  const h = await withTopic('t', 1, { consumerMigrationPolicy: 'downgrade' });
  h.clock.advance(0);
  const { joined } = await joinWithId(h, { groupId: 'classic' });
  h.clock.advance(h.config.initialRebalanceDelayMs);
  assert.equal((await joined).errorCode, ErrorCode.NONE);
  const refused = await h.coordinator.consumerGroupHeartbeat(info(0), hb({ groupId: 'classic', rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }));
  assert.equal(ErrorCode[refused.errorCode], 'GROUP_ID_NOT_FOUND');
  assert.match(refused.errorMessage!, /not a consumer group/);

  // A simple (empty classic) group with a committed offset.
  const r = await h.coordinator.commitOffsets({
    groupId: 'simple', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, 9);
  assert.equal(r[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.equal(h.coordinator.group('simple')!.type, 'classic');
  const m = await join(h, ['t'], { groupId: 'simple' });
  assert.equal(h.coordinator.group('simple')!.type, 'consumer');
  assert.equal(h.coordinator.fetchOffsets('simple', m.memberId!, m.memberEpoch, [{ name: 't', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset, 7);

  // A classic JoinGroup to the consumer group is taken in; ConsumerGroupDescribe refuses the classic group.
  const classicJoin = await h.coordinator.joinGroup(info(9), { groupId: 'simple', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
  assert.equal(ErrorCode[classicJoin.errorCode], 'MEMBER_ID_REQUIRED', 'a classic member may join a consumer group (consumer-group-migration.test.ts)');
  assert.deepEqual(h.coordinator.consumerGroupDescribe(['classic', 'nope']).map((g) => ErrorCode[g.errorCode]), ['GROUP_ID_NOT_FOUND', 'GROUP_ID_NOT_FOUND']);
  const types = new Map(h.coordinator.listGroups([], []).groups.map((g) => [g.groupId, g.groupType]));
  assert.deepEqual([types.get('classic'), types.get('simple')], ['classic', 'consumer']);
});

test('a member that does not revoke within its rebalance timeout is fenced, and its partitions go to the others', async () => {
  const h = await withTopic('t', 2);
  const a = await join(h, ['t'], { rebalanceTimeoutMs: 5000 });
  const b = await join(h, ['t']);
  const all = [{ topicId: fakeTopicId('t'), partitions: [0, 1] }];
  const rev = await beat(h, a.memberId!, 1, all);
  assert.equal(flat(rev.assignment).length, 1, 'asked to revoke one partition');
  h.clock.advance(3000);
  assert.equal((await beat(h, a.memberId!, 1, all)).errorCode, ErrorCode.NONE, 'still within the rebalance timeout');
  h.clock.advance(2500);
  await settle();
  const fenced = await beat(h, a.memberId!, 1, all);
  assert.equal(ErrorCode[fenced.errorCode], 'UNKNOWN_MEMBER_ID');
  const got = await beat(h, b.memberId!, 2, []);
  assert.deepEqual(flat(got.assignment), ['id-t:0', 'id-t:1']);
});

test('a static member: its instance id cannot be taken while it is in the group; after a -2 leave it can rejoin', async () => {
  const h = await withTopic('t', 1);
  const a = await join(h, ['t'], { instanceId: 'i-1' });
  const dup = await h.coordinator.consumerGroupHeartbeat(info(0), hb({ rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [], instanceId: 'i-1' }));
  assert.equal(ErrorCode[dup.errorCode], 'UNRELEASED_INSTANCE_ID');
  const left = await beat(h, a.memberId!, -2, null, { instanceId: 'i-1' });
  assert.deepEqual([ErrorCode[left.errorCode], left.memberEpoch], ['NONE', -2]);
  const back = await join(h, ['t'], { instanceId: 'i-1' });
  assert.deepEqual(flat(back.assignment), ['id-t:0']);
});
