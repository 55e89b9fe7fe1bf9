// The classic group protocol state machine, driven through the coordinator
// service with a fake clock: joins, the initial delay, generations, leader
// election, protocol votes, timeouts, static membership and the error codes
// Kafka answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { ClassicGroup } from '../../src/coordinator/classic-group.js';
import {
  errorName, harness, heartbeat, info, isPending, joinRequest, joinWithId, settle, subscription, sync, type Harness,
} from './helpers.js';

function group(h: Harness, id = 'g'): ClassicGroup {
  const g = h.coordinator.group(id);
  assert.ok(g instanceof ClassicGroup, `group ${id} exists`);
  return g;
}

/** One member joins and syncs an empty group: generation 1, Stable. */
async function stableSingleMember(h: Harness, fields = {}): Promise<string> {
  const { memberId, joined } = await joinWithId(h, fields);
  h.clock.advance(h.config.initialRebalanceDelayMs);
  const j = await joined;
  assert.equal(errorName(j.errorCode), 'NONE');
  const s = await sync(h, 'g', memberId, j.generationId, [{ memberId, assignment: Buffer.from('a1') }]);
  assert.equal(errorName(s.errorCode), 'NONE');
  return memberId;
}

test('KIP-394: a first JoinGroup (v4+) gets MEMBER_ID_REQUIRED with an id made of the client id and a UUID', async () => {
  const h = await harness();
  const r = await h.coordinator.joinGroup(info(9, 'my-client'), joinRequest());
  assert.equal(errorName(r.errorCode), 'MEMBER_ID_REQUIRED');
  assert.match(r.memberId, /^my-client-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(r.generationId, -1);
  // The id is pending: unused, it expires with the session timeout.
  assert.ok(group(h).isPendingMember(r.memberId));
  h.clock.advance(10_000);
  await settle();
  assert.equal(group(h).isPendingMember(r.memberId), false);
});

test('JoinGroup v0-3 joins at once with a new id; the first generation waits group.initial.rebalance.delay.ms', async () => {
  const h = await harness({ initialRebalanceDelayMs: 3000 });
  const joined = h.coordinator.joinGroup(info(3), joinRequest());
  assert.ok(await isPending(joined));
  h.clock.advance(2999);
  assert.ok(await isPending(joined), 'still inside the initial delay');
  h.clock.advance(1);
  const r = await joined;
  assert.equal(errorName(r.errorCode), 'NONE');
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, r.memberId);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.protocolType, 'consumer');
  assert.deepEqual(r.members.map((m) => m.memberId), [r.memberId]);
  assert.equal(group(h).state, 'CompletingRebalance');
});

test('a member joining during the initial delay extends it, up to the rebalance timeout', async () => {
  const h = await harness({ initialRebalanceDelayMs: 3000 });
  const a = await joinWithId(h, { rebalanceTimeoutMs: 10_000 });
  h.clock.advance(2000);
  const b = await joinWithId(h, { rebalanceTimeoutMs: 10_000 });
  h.clock.advance(1000); // the first delay ends; a member was added meanwhile: another delay starts
  assert.ok(await isPending(a.joined));
  h.clock.advance(3000);
  const [ra, rb] = await Promise.all([a.joined, b.joined]);
  assert.equal(ra.generationId, 1);
  assert.equal(rb.generationId, 1);
  assert.equal(ra.leader, a.memberId, 'the first member leads');
  assert.deepEqual(ra.members.map((m) => m.memberId).sort(), [a.memberId, b.memberId].sort());
  assert.deepEqual(rb.members, [], 'followers get no member list');
});

test('SyncGroup: followers wait for the leader; everyone gets its own assignment; the group becomes Stable', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h);
  const b = await joinWithId(h);
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, b.joined]);
  const follower = sync(h, 'g', b.memberId, ja.generationId);
  assert.ok(await isPending(follower));
  assert.equal(errorName((await heartbeat(h, 'g', b.memberId, ja.generationId))), 'NONE', 'heartbeats are fine while CompletingRebalance');
  const leader = await sync(h, 'g', a.memberId, ja.generationId, [
    { memberId: a.memberId, assignment: Buffer.from('for-a') }, { memberId: b.memberId, assignment: Buffer.from('for-b') },
  ]);
  assert.equal(leader.assignment.toString(), 'for-a');
  assert.equal(leader.protocolName, 'range');
  assert.equal((await follower).assignment.toString(), 'for-b');
  assert.equal(group(h).state, 'Stable');
  // A SyncGroup in Stable returns the current assignment.
  assert.equal((await sync(h, 'g', b.memberId, ja.generationId)).assignment.toString(), 'for-b');
});

test('a new member triggers a rebalance: heartbeats answer REBALANCE_IN_PROGRESS until everyone rejoins', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await stableSingleMember(h);
  const b = await joinWithId(h);
  assert.equal(group(h).state, 'PreparingRebalance');
  assert.equal(errorName(await heartbeat(h, 'g', a, 1)), 'REBALANCE_IN_PROGRESS');
  assert.equal(errorName((await sync(h, 'g', a, 1)).errorCode), 'REBALANCE_IN_PROGRESS');
  assert.ok(await isPending(b.joined));
  const ra = await h.coordinator.joinGroup(info(), joinRequest({ memberId: a }));
  const rb = await b.joined;
  assert.equal(ra.generationId, 2);
  assert.equal(rb.generationId, 2);
  assert.equal(ra.leader, a);
  assert.equal(errorName(await heartbeat(h, 'g', a, 1)), 'ILLEGAL_GENERATION');
});

test('a member that does not rejoin within the rebalance timeout is dropped; the others move on', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h, { rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 });
  const b = await joinWithId(h, { rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 });
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, b.joined]);
  const fb = sync(h, 'g', b.memberId, ja.generationId);
  await sync(h, 'g', a.memberId, ja.generationId, []);
  await fb;
  // b rejoins (forcing a rebalance as it changed its metadata); a never does.
  const rb = h.coordinator.joinGroup(info(), joinRequest({ memberId: b.memberId, rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000, protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] }));
  await settle();
  assert.ok(await isPending(rb));
  h.clock.advance(5000);
  const r = await rb;
  assert.equal(r.generationId, 2);
  assert.equal(r.leader, b.memberId, 'the old leader did not rejoin: a member that did is elected');
  assert.deepEqual(r.members.map((m) => m.memberId), [b.memberId]);
  assert.equal(errorName(await heartbeat(h, 'g', a.memberId, 1)), 'UNKNOWN_MEMBER_ID');
});

test('session timeout: a silent member is removed and the group rebalances; heartbeats keep a member in', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h, { sessionTimeoutMs: 6000 });
  const b = await joinWithId(h, { sessionTimeoutMs: 6000 });
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, b.joined]);
  const fb = sync(h, 'g', b.memberId, ja.generationId);
  await sync(h, 'g', a.memberId, ja.generationId, []);
  await fb;
  for (let i = 0; i < 4; i++) {
    h.clock.advance(3000);
    assert.equal(errorName(await heartbeat(h, 'g', a.memberId, 1)), i < 1 ? 'NONE' : 'REBALANCE_IN_PROGRESS');
  }
  // b's session ran out at 6000: a is told to rejoin, and rejoins alone.
  const r = await h.coordinator.joinGroup(info(), joinRequest({ memberId: a.memberId, sessionTimeoutMs: 6000 }));
  assert.equal(r.generationId, 2);
  assert.deepEqual(r.members.map((m) => m.memberId), [a.memberId]);
});

test('a member that never sends SyncGroup is removed after the rebalance timeout', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h, { rebalanceTimeoutMs: 4000 });
  const b = await joinWithId(h, { rebalanceTimeoutMs: 4000 });
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, b.joined]);
  await sync(h, 'g', a.memberId, ja.generationId, []);
  h.clock.advance(4000);
  await settle();
  assert.equal(group(h).state, 'PreparingRebalance');
  assert.equal(group(h).hasMember(b.memberId), false);
});

test('protocol selection: only protocols every member supports; the most votes win', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const meta = Buffer.from('x');
  const a = await joinWithId(h, { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] });
  const b = await joinWithId(h, { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
  const c = await joinWithId(h, { protocols: [{ name: 'range', metadata: meta }, { name: 'sticky', metadata: meta }] });
  h.clock.advance(0);
  const [ra] = await Promise.all([a.joined, b.joined, c.joined]);
  assert.equal(ra.protocolName, 'range', 'range: 2 votes (b, c); roundrobin: 1');
  // A member with no protocol in common, or another protocol type, cannot join.
  const x = await h.coordinator.joinGroup(info(), joinRequest({ protocols: [{ name: 'sticky', metadata: meta }] }));
  assert.equal(errorName(x.errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
  const y = await h.coordinator.joinGroup(info(), joinRequest({ protocolType: 'connect' }));
  assert.equal(errorName(y.errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
  // An empty group refuses an empty protocol type or list.
  const z = await h.coordinator.joinGroup(info(), joinRequest({ groupId: 'other', protocols: [] }));
  assert.equal(errorName(z.errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
});

test('a tied vote goes to the protocol a Java HashMap lists first', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const meta = Buffer.from('x');
  const a = await joinWithId(h, { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'sticky', metadata: meta }] });
  const b = await joinWithId(h, { protocols: [{ name: 'sticky', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
  h.clock.advance(0);
  const [ra] = await Promise.all([a.joined, b.joined]);
  // One vote each: HashMap order puts sticky before roundrobin.
  assert.equal(ra.protocolName, 'sticky');
});

test('request validation: empty group id, session timeout bounds, unknown members, stale generations', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0, minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 300_000 });
  assert.equal(errorName((await h.coordinator.joinGroup(info(), joinRequest({ groupId: '' }))).errorCode), 'INVALID_GROUP_ID');
  const low = await h.coordinator.joinGroup(info(), joinRequest({ sessionTimeoutMs: 5999, memberId: 'm' }));
  assert.equal(errorName(low.errorCode), 'INVALID_SESSION_TIMEOUT');
  assert.equal(low.memberId, 'm');
  assert.equal(errorName((await h.coordinator.joinGroup(info(), joinRequest({ sessionTimeoutMs: 300_001 }))).errorCode), 'INVALID_SESSION_TIMEOUT');
  // A known member id for a group that does not exist.
  assert.equal(errorName((await h.coordinator.joinGroup(info(), joinRequest({ groupId: 'nope', memberId: 'ghost' }))).errorCode), 'UNKNOWN_MEMBER_ID');
  assert.equal(h.coordinator.group('nope'), undefined, 'a member id never creates a group');
  assert.equal(errorName(await heartbeat(h, 'nope', 'ghost', 1)), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName(await heartbeat(h, '', 'ghost', 1)), 'INVALID_GROUP_ID');
  assert.equal(errorName((await sync(h, 'nope', 'ghost', 1)).errorCode), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName((await sync(h, '', 'ghost', 1)).errorCode), 'INVALID_GROUP_ID');

  const a = await stableSingleMember(h);
  assert.equal(errorName(await heartbeat(h, 'g', 'ghost', 1)), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName(await heartbeat(h, 'g', a, 0)), 'ILLEGAL_GENERATION');
  assert.equal(errorName((await sync(h, 'g', a, 7)).errorCode), 'ILLEGAL_GENERATION');
  assert.equal(errorName((await sync(h, 'g', a, 1, [], { protocolName: 'roundrobin' })).errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(errorName((await sync(h, 'g', a, 1, [], { protocolType: 'connect' })).errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(errorName((await sync(h, 'g', a, 1, [], { protocolType: 'consumer', protocolName: 'range' })).errorCode), 'NONE');
  const rejoin = await h.coordinator.joinGroup(info(), joinRequest({ memberId: 'ghost' }));
  assert.equal(errorName(rejoin.errorCode), 'UNKNOWN_MEMBER_ID');
  // A pending (KIP-394) member id presented with a group.instance.id: Kafka fails it as an internal error.
  const pending = await h.coordinator.joinGroup(info(), joinRequest({ groupId: 'p' }));
  const mixed = await h.coordinator.joinGroup(info(), joinRequest({ groupId: 'p', memberId: pending.memberId, groupInstanceId: 'i' }));
  assert.deepEqual([errorName(mixed.errorCode), mixed.memberId], ['UNKNOWN_SERVER_ERROR', '']);
});

test('group.max.size: a joiner beyond it gets GROUP_MAX_SIZE_REACHED', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0, maxSize: 1 });
  await stableSingleMember(h);
  const second = await h.coordinator.joinGroup(info(3), joinRequest());
  assert.equal(errorName(second.errorCode), 'GROUP_MAX_SIZE_REACHED');
  assert.equal(second.memberId, '');
  assert.equal(group(h).numMembers(), 1);
});

test('a follower rejoining a Stable group with the same metadata gets the current generation without a rebalance', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h);
  const b = await joinWithId(h);
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, b.joined]);
  const fb = sync(h, 'g', b.memberId, 1);
  await sync(h, 'g', a.memberId, 1, []);
  await fb;
  const again = await h.coordinator.joinGroup(info(), joinRequest({ memberId: b.memberId }));
  assert.equal(again.generationId, ja.generationId);
  assert.equal(group(h).state, 'Stable');
  // The leader rejoining forces a rebalance.
  const leaderJoin = h.coordinator.joinGroup(info(), joinRequest({ memberId: a.memberId }));
  await settle();
  assert.equal(group(h).state, 'PreparingRebalance');
  assert.ok(await isPending(leaderJoin));
});

test('LeaveGroup: batched members, removal by group.instance.id, unknown members; the group rebalances or empties', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const a = await joinWithId(h);
  const s = h.coordinator.joinGroup(info(), joinRequest({ groupInstanceId: 'instance-1' }));
  await settle();
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, s]);
  assert.equal(ja.generationId, 1);
  const r = await h.coordinator.leaveGroup('g', [
    { memberId: '', groupInstanceId: 'instance-1', reason: 'admin' },
    { memberId: 'ghost', groupInstanceId: null, reason: null },
    { memberId: '', groupInstanceId: 'no-such-instance', reason: null },
  ]);
  assert.deepEqual(r.members.map((m) => [m.memberId, m.groupInstanceId, errorName(m.errorCode)]), [
    ['', 'instance-1', 'NONE'], ['ghost', null, 'UNKNOWN_MEMBER_ID'], ['', 'no-such-instance', 'UNKNOWN_MEMBER_ID'],
  ]);
  assert.equal(group(h).numMembers(), 1);
  const last = await h.coordinator.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null, reason: null }]);
  assert.equal(errorName(last.members[0]!.errorCode), 'NONE');
  assert.equal(group(h).state, 'Empty');
  // The first leave started a rebalance; the second ended it with nobody left: generation 2, empty.
  assert.equal(group(h).generationId, 2);
  const none = await h.coordinator.leaveGroup('nope', [{ memberId: 'x', groupInstanceId: null, reason: null }]);
  assert.equal(errorName(none.members[0]!.errorCode), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName((await h.coordinator.leaveGroup('', [])).errorCode), 'INVALID_GROUP_ID');
});

test('KIP-345 static membership: a restarted instance takes over its member without a rebalance; the old id is fenced', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const first = h.coordinator.joinGroup(info(9), joinRequest({ groupInstanceId: 'i1' }));
  const other = await joinWithId(h);
  h.clock.advance(0);
  const [j1] = await Promise.all([first, other.joined]);
  assert.match(j1.memberId, /^i1-/, 'a static member id starts with the instance id');
  const fo = sync(h, 'g', other.memberId, 1);
  await sync(h, 'g', j1.memberId, 1, [{ memberId: j1.memberId, assignment: Buffer.from('p0') }, { memberId: other.memberId, assignment: Buffer.from('p1') }]);
  await fo;

  // The instance restarts and joins with no member id.
  const again = await h.coordinator.joinGroup(info(9), joinRequest({ groupInstanceId: 'i1' }));
  assert.equal(errorName(again.errorCode), 'NONE');
  assert.notEqual(again.memberId, j1.memberId);
  assert.equal(again.generationId, 1, 'no rebalance');
  assert.equal(again.skipAssignment, true, 'v9: the static leader keeps the assignment');
  assert.equal(group(h).state, 'Stable');
  const s = await sync(h, 'g', again.memberId, 1, [], { groupInstanceId: 'i1' });
  assert.equal(s.assignment.toString(), 'p0', 'the assignment carried over');
  // The old incarnation is fenced; the other member carries on.
  assert.equal(errorName(await heartbeat(h, 'g', j1.memberId, 1, 'i1')), 'FENCED_INSTANCE_ID');
  assert.equal(errorName(await heartbeat(h, 'g', other.memberId, 1)), 'NONE');
  assert.equal(errorName(await heartbeat(h, 'g', again.memberId, 1, 'unknown-instance')), 'UNKNOWN_MEMBER_ID');
});

test('a static member keeps its place across a rebalance it sits out (only dynamic ones are dropped)', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  const s = h.coordinator.joinGroup(info(9), joinRequest({ groupInstanceId: 'i1', rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 }));
  const d = await joinWithId(h, { rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 });
  h.clock.advance(0);
  const [js] = await Promise.all([s, d.joined]);
  const fd = sync(h, 'g', d.memberId, 1);
  await sync(h, 'g', js.memberId, 1, [], { groupInstanceId: 'i1' });
  await fd;
  // A third member joins; only it and d rejoin.
  const e = await joinWithId(h, { rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 });
  const rd = h.coordinator.joinGroup(info(), joinRequest({ memberId: d.memberId, rebalanceTimeoutMs: 5000, sessionTimeoutMs: 60_000 }));
  h.clock.advance(5000);
  const [re] = await Promise.all([e.joined, rd]);
  assert.equal(re.generationId, 2);
  assert.ok(group(h).hasMember(js.memberId), 'the static member stays');
});

test('OffsetCommit is a heartbeat for classic members; stale and unknown members cannot commit', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await h.store.createTopic({ name: 't', partitions: 2, configs: {}, validateOnly: false });
  const a = await joinWithId(h, { sessionTimeoutMs: 6000 });
  h.clock.advance(0);
  await a.joined;
  await sync(h, 'g', a.memberId, 1, []);
  const commitAs = (generation: number, memberId: string, apiVersion = 9) => h.coordinator.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  }, apiVersion).then((r) => errorName(r[0]!.partitions[0]!.errorCode));
  for (let i = 0; i < 4; i++) {
    h.clock.advance(4000);
    assert.equal(await commitAs(1, a.memberId), 'NONE');
  }
  assert.ok(group(h).hasMember(a.memberId), 'commits kept the session alive for 16 s');
  assert.equal(await commitAs(0, a.memberId), 'ILLEGAL_GENERATION');
  assert.equal(await commitAs(1, 'ghost'), 'UNKNOWN_MEMBER_ID');
  assert.equal(await commitAs(-1, ''), 'UNKNOWN_MEMBER_ID', 'a simple commit needs an empty group');
});
