// Classic consumers and KIP-848 consumer groups: an empty consumer group
// becomes a classic group on a classic JoinGroup, as Kafka's
// maybeDeleteEmptyConsumerGroup does whatever group.consumer.migration.policy
// says (tombstones, offsets kept, across a restart); a consumer group with
// members takes classic members in (mixed group: JoinGroup/SyncGroup/
// Heartbeat/LeaveGroup/OffsetCommit with the member epoch as generation); the
// consumer protocol joining a classic group with members converts it (online
// upgrade) unless the policy or the group forbids it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClassicGroup } from '../../src/coordinator/classic-group.js';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { ConsumerProtocolAssignmentMessage } from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { beat, describe, hb, join, logRecords, restart, short } from './consumer-helpers.js';
import { commit, errorName, harness, heartbeat, info, joinRequest, joinWithId, settle, subscription, sync, topic, type Harness } from './helpers.js';

test('a classic JoinGroup turns an empty consumer group into a classic group; its offsets stay, across a restart', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 2);
  const m = await join(h, 'm', { groupId: 'cg' });
  assert.equal((await commit(h, 'cg', { t: [5, 6] }, { generation: m.memberEpoch, memberId: 'm' }))[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await beat(h, 'm', -1, null)).errorCode, ErrorCode.NONE);
  assert.equal(h.coordinator.group('cg')!.type, 'consumer');

  const before = logRecords(h).length;
  const { memberId, joined } = await joinWithId(h, { groupId: 'cg' });
  h.clock.advance(0);
  const j = await joined;
  assert.deepEqual([ErrorCode[j.errorCode], j.leader], ['NONE', memberId]);
  assert.ok(h.coordinator.group('cg') instanceof ClassicGroup);
  assert.deepEqual(logRecords(h).slice(before).map(short), ['target-assignment-metadata tombstone', 'partition-metadata tombstone', 'metadata tombstone']);
  assert.deepEqual([h.coordinator.committedOffset('cg', 't', 0), h.coordinator.committedOffset('cg', 't', 1)], [5, 6]);

  const again = await restart(h);
  assert.ok(again.coordinator.group('cg') instanceof ClassicGroup);
  assert.equal(again.coordinator.committedOffset('cg', 't', 1), 6);
});

/** The partitions of a SyncGroup assignment (a ConsumerProtocolAssignment): "topic:p". */
function assigned(bytes: Buffer): string[] {
  const r = new Reader(bytes);
  const version = r.int16();
  return ConsumerProtocolAssignmentMessage.decode(r, version).assignedPartitions.flatMap((t) => t.partitions.map((p) => `${t.topic}:${p}`)).sort();
}

test('a classic member joins a consumer group with members (KIP-848 mixed group): epochs as generations, revocation by rejoining', async () => {
  const h = await harness();
  await topic(h, 't', 2);
  await join(h, 'm');
  // JoinGroup v4+: the member id first (a Kafka Uuid, as consumer groups name members).
  const first = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', protocols: [{ name: 'range', metadata: subscription(['t']) }] }));
  assert.equal(ErrorCode[first.errorCode], 'MEMBER_ID_REQUIRED');
  assert.match(first.memberId, /^[A-Za-z0-9_-]{22}$/);
  const c = first.memberId;
  const joined = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: c }));
  assert.deepEqual([ErrorCode[joined.errorCode], joined.memberId, joined.generationId, joined.protocolType, joined.protocolName, joined.leader, joined.members],
    ['NONE', c, 2, 'consumer', 'range', '', []]);
  // m still owns both partitions: c gets nothing yet, and waits quietly.
  let synced = await sync(h, 'cg', c, 2, [], { protocolType: 'consumer', protocolName: 'range' });
  assert.deepEqual([ErrorCode[synced.errorCode], synced.protocolType, synced.protocolName, assigned(synced.assignment)], ['NONE', 'consumer', 'range', []]);
  assert.equal(errorName(await heartbeat(h, 'cg', c, 2)), 'NONE');
  assert.equal(errorName(await heartbeat(h, 'cg', c, 1)), 'ILLEGAL_GENERATION');

  // m revokes one partition; c's heartbeat then asks it to rejoin, and the rejoin brings it the partition.
  const revoke = await beat(h, 'm', 1, [0, 1]);
  const kept = revoke.assignment!.topicPartitions[0]!.partitions;
  assert.equal((await beat(h, 'm', 1, kept)).memberEpoch, 2);
  assert.equal(errorName(await heartbeat(h, 'cg', c, 2)), 'REBALANCE_IN_PROGRESS');
  const rejoined = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: c }));
  assert.deepEqual([ErrorCode[rejoined.errorCode], rejoined.generationId], ['NONE', 2]);
  synced = await sync(h, 'cg', c, 2);
  const free = [0, 1].filter((p) => !kept.includes(p));
  assert.deepEqual(assigned(synced.assignment), free.map((p) => `t:${p}`));
  assert.equal(errorName(await heartbeat(h, 'cg', c, 2)), 'NONE');
  const d = describe(h);
  assert.deepEqual([d.state, d.groupEpoch, d.members.map((m) => m.epoch)], ['Stable', 2, [2, 2]]);

  // Offsets: the classic member commits with its generation (OffsetCommit below v9 too).
  const ok = await commit(h, 'cg', { t: [7, 8] }, { generation: 2, memberId: c }, 8);
  assert.equal(ErrorCode[ok[0]!.partitions[0]!.errorCode], 'NONE');
  const stale = await commit(h, 'cg', { t: [7, 8] }, { generation: 1, memberId: c }, 8);
  assert.equal(ErrorCode[stale[0]!.partitions[0]!.errorCode], 'ILLEGAL_GENERATION');
  const old = await commit(h, 'cg', { t: [7, 8] }, { generation: 2, memberId: 'm' }, 8);
  assert.equal(ErrorCode[old[0]!.partitions[0]!.errorCode], 'UNSUPPORTED_VERSION', 'a consumer-protocol member still needs v9');

  // The classic member's record carries its protocols: after a restart it carries on.
  const again = await restart(h);
  assert.equal(errorName(await heartbeat(again, 'cg', c, 2)), 'NONE');
  assert.deepEqual(assigned((await sync(again, 'cg', c, 2)).assignment), free.map((p) => `t:${p}`));

  // LeaveGroup: only classic members (or an admin naming an instance id); the partition goes back to m.
  const left = await again.coordinator.leaveGroup('cg', [{ memberId: 'm', groupInstanceId: null, reason: null }, { memberId: c, groupInstanceId: null, reason: null }]);
  assert.deepEqual(left.members.map((m) => ErrorCode[m.errorCode]), ['UNKNOWN_MEMBER_ID', 'NONE']);
  assert.deepEqual([describe(again).groupEpoch, describe(again).members.map((m) => m.id)], [3, ['m']]);
  const back = await beat(again, 'm', 2, kept);
  assert.deepEqual(back.assignment!.topicPartitions[0]!.partitions, [0, 1]);
});

test('classic members in a consumer group: protocol checks, unknown members, SyncGroup behind the group epoch', async () => {
  const h = await harness();
  await topic(h, 't', 2);
  await join(h, 'm');
  const codes = async (fields: Parameters<typeof joinRequest>[0]) => ErrorCode[(await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', ...fields }))).errorCode];
  assert.equal(await codes({ memberId: 'x', protocolType: 'connect' }), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(await codes({ memberId: 'x', protocols: [{ name: 'range', metadata: Buffer.from([1]) }] }), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(await codes({ memberId: 'x', protocols: [{ name: 'range', metadata: subscription(['t']) }] }), 'NONE');
  // Every classic member must share a protocol with the next one.
  assert.equal(await codes({ memberId: 'y', protocols: [{ name: 'cooperative-sticky', metadata: subscription(['t']) }] }), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(errorName(await heartbeat(h, 'cg', 'nobody', 2)), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName(await heartbeat(h, 'cg', 'm', 1)), 'UNKNOWN_MEMBER_ID', 'a consumer-protocol member does not use the classic protocol');
  // A new consumer member bumps the group epoch: x must rejoin before its SyncGroup.
  await join(h, 'n');
  assert.equal(ErrorCode[(await sync(h, 'cg', 'x', 2)).errorCode], 'REBALANCE_IN_PROGRESS');
  assert.equal(errorName(await heartbeat(h, 'cg', 'x', 2)), 'REBALANCE_IN_PROGRESS');
});

test('a classic member of a consumer group that stops heartbeating is fenced by its own session timeout', async () => {
  const h = await harness();
  await topic(h, 't', 2);
  await join(h, 'm');
  const joined = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: 'x', sessionTimeoutMs: 10_000 }));
  assert.equal(joined.errorCode, ErrorCode.NONE);
  await sync(h, 'cg', 'x', joined.generationId);
  h.clock.advance(9_000);
  assert.equal((await beat(h, 'm', 1, [0, 1])).errorCode, ErrorCode.NONE);
  h.clock.advance(2_000);
  await settle();
  assert.deepEqual(describe(h).members.map((m) => m.id), ['m']);
});

/** A ConsumerProtocolAssignment (v0) of partitions of "t". */
function assignmentOf(partitions: number[]): Buffer {
  const w = new Writer(32);
  w.int16(0);
  ConsumerProtocolAssignmentMessage.encode(w, 0, { assignedPartitions: [{ topic: 't', partitions }], userData: null });
  return w.toBuffer();
}

/** A Stable classic group "cg" of members a (t:0) and b (t:1), generation 1. */
async function classicGroup(h: Harness): Promise<{ a: string; b: string }> {
  await topic(h, 't', 2);
  h.clock.advance(0);
  const ja = await joinWithId(h, { groupId: 'cg' });
  const jb = await joinWithId(h, { groupId: 'cg' });
  h.clock.advance(h.config.initialRebalanceDelayMs);
  const [ra] = await Promise.all([ja.joined, jb.joined]);
  assert.equal(ra.generationId, 1);
  const leader = ra.leader;
  const follower = leader === ja.memberId ? jb.memberId : ja.memberId;
  const fb = sync(h, 'cg', follower, 1);
  await sync(h, 'cg', leader, 1, [{ memberId: ja.memberId, assignment: assignmentOf([0]) }, { memberId: jb.memberId, assignment: assignmentOf([1]) }]);
  await fb;
  return { a: ja.memberId, b: jb.memberId };
}

test('online upgrade (bidirectional, the default): a consumer-protocol member joining a classic group with members converts it', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const { a, b } = await classicGroup(h);
  const before = logRecords(h).length;
  const n = await join(h, 'n', { groupId: 'cg' });
  assert.equal(h.coordinator.group('cg')!.type, 'consumer');
  // The classic members kept their partitions at epoch 1 (their generation); n waits for one of them.
  const d = describe(h);
  assert.deepEqual([d.groupEpoch, d.assignmentEpoch], [2, 2]);
  assert.deepEqual(d.members.map((m) => [m.id, m.epoch]).sort(), [[a, 1], [b, 1], ['n', 2]].sort());
  assert.equal(n.memberEpoch, 2);
  assert.deepEqual(n.assignment!.topicPartitions, []);
  const written = logRecords(h, 'cg').slice(before).map(short);
  assert.ok(written.includes(`member-metadata(${a})`) && written.includes('metadata') && written.includes('current-member-assignment(n)'), written.join(', '));
  // The classic members learn of the new epoch by heartbeat and rejoin as classic members of the consumer group.
  assert.equal(errorName(await heartbeat(h, 'cg', a, 1)), 'REBALANCE_IN_PROGRESS');
  const ra = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: a, protocols: [{ name: 'range', metadata: subscription(['t']) }] }));
  assert.equal(ErrorCode[ra.errorCode], 'NONE');
  assert.equal(ra.protocolType, 'consumer');
  // After a restart the converted group is still a consumer group with its classic members.
  const again = await restart(h);
  assert.equal(again.coordinator.group('cg')!.type, 'consumer');
  assert.equal(describe(again).members.length, 3);
  assert.equal(errorName(await heartbeat(again, 'cg', a, ra.generationId + 5)), 'ILLEGAL_GENERATION', 'a is still a classic member');
  assert.equal(errorName(await heartbeat(again, 'cg', 'n', 2)), 'UNKNOWN_MEMBER_ID', 'n uses the consumer protocol');
});

test('online upgrade refused: policy disabled or downgrade, or more members than group.consumer.max.size', async () => {
  for (const config of [{ consumerMigrationPolicy: 'disabled' as const }, { consumerMigrationPolicy: 'downgrade' as const }, { consumerMaxSize: 1 }]) {
    const h = await harness({ initialRebalanceDelayMs: 0, ...config });
    await classicGroup(h);
    const r = await h.coordinator.consumerGroupHeartbeat(info(1), hb({ groupId: 'cg', memberId: 'x', rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }));
    assert.deepEqual([ErrorCode[r.errorCode], r.errorMessage], ['GROUP_ID_NOT_FOUND', 'Group cg is not a consumer group.'], JSON.stringify(config));
    assert.equal(h.coordinator.group('cg')!.type, 'classic');
  }
});

test('online downgrade (bidirectional): when the last consumer-protocol member leaves, the classic members get a classic group', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 2);
  await join(h, 'm');
  const joined = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: 'c' }));
  assert.equal(joined.generationId, 2);
  await sync(h, 'cg', 'c', 2);
  const before = logRecords(h).length;

  assert.equal((await beat(h, 'm', -1, null)).errorCode, ErrorCode.NONE);
  const g = h.coordinator.group('cg');
  assert.ok(g instanceof ClassicGroup);
  assert.deepEqual([g.state, g.generationId, g.protocolName, [...g.members.keys()]], ['PreparingRebalance', 2, 'range', ['c']]);
  const written = logRecords(h).slice(before).map(short);
  assert.ok(written.includes('member-metadata(m) tombstone') && written.includes('member-metadata(c) tombstone') && written.at(-1) === 'metadata tombstone', written.join(', '));
  // c rejoins the classic group and leads the next generation.
  assert.equal(errorName(await heartbeat(h, 'cg', 'c', 2)), 'REBALANCE_IN_PROGRESS');
  const rejoined = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: 'c' }));
  assert.deepEqual([ErrorCode[rejoined.errorCode], rejoined.generationId, rejoined.leader], ['NONE', 3, 'c']);
  const again = await restart(h);
  assert.ok(again.coordinator.group('cg') instanceof ClassicGroup);
});

test('no downgrade when the policy says upgrade or disabled: the classic members stay in the consumer group', async () => {
  for (const policy of ['upgrade', 'disabled'] as const) {
    const h = await harness({ consumerMigrationPolicy: policy });
    await topic(h, 't', 2);
    await join(h, 'm');
    await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId: 'c' }));
    assert.equal((await beat(h, 'm', -1, null)).errorCode, ErrorCode.NONE);
    assert.equal(h.coordinator.group('cg')!.type, 'consumer', policy);
    assert.deepEqual(describe(h).members.map((m) => m.id), ['c']);
  }
});
