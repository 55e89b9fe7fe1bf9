// Classic group membership with an arbitrary protocol type, as Schema
// Registry uses it: one leader is chosen and assigns, every member receives
// its assignment, a leader that leaves hands the group to another member;
// committed offsets read back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, type Assignment, type GroupMemberInfo, type KafkaClient } from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { WireClient } from '../helpers/wire-client.js';
import { rejectsWith, sleep, uniqueTopic, useBrokerAndKafkaClient, type ClientFixture } from './support.js';

let f: ClientFixture;
// No initial rebalance delay: the first member's group forms at once.
useBrokerAndKafkaClient((fixture) => { f = fixture; }, { overrides: ['group.initial.rebalance.delay.ms=0'] });

async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Recorder {
  assigned: Assignment[];
  assignCalls: GroupMemberInfo[][];
  revoked: number;
}

function member(client: KafkaClient, groupId: string, name: string, r: Recorder) {
  return client.joinGroup(groupId, {
    protocolType: 'sr',
    protocols: [{ name: 'v0', metadata: Buffer.from(`meta-${name}`) }],
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 10_000,
    assign: (members) => {
      r.assignCalls.push(members);
      // Every member learns the leader's view: who is in the group.
      return new Map(members.map((m) => [m.memberId, Buffer.from(`for ${m.metadata.toString()} of ${members.length}`)]));
    },
    onAssigned: (a) => r.assigned.push(a),
    onRevoked: () => { r.revoked++; },
  });
}

const recorder = (): Recorder => ({ assigned: [], assignCalls: [], revoked: 0 });

test('two members: one leader assigns, both get their assignment; the leader leaves and the other takes over', async () => {
  const groupId = uniqueTopic('sr-group');
  const c1 = f.client;
  const c2 = await f.connect({ clientId: 'second' });
  const r1 = recorder();
  const r2 = recorder();

  const m1 = await member(c1, groupId, 'one', r1);
  assert.equal(r1.assigned.length, 1);
  assert.equal(m1.isLeader, true, 'alone in the group, the first member leads');
  assert.match(m1.memberId, /.+/, 'the coordinator handed out a member id (KIP-394)');
  assert.equal(r1.assigned[0]!.assignment.toString(), 'for meta-one of 1');

  // The second member's join completes once the first has rejoined (it learns of the rebalance by heartbeat).
  const m2 = await member(c2, groupId, 'two', r2);
  await waitFor('the first member to be reassigned', () => r1.assigned.length >= 2);
  const a1 = r1.assigned.at(-1)!;
  const a2 = r2.assigned.at(-1)!;
  assert.equal(a1.generation, a2.generation, 'both members are in the same generation');
  assert.equal(a1.generation, r1.assigned[0]!.generation + 1);
  assert.equal(a1.leaderId, a2.leaderId, 'both agree on the leader');
  assert.ok([m1.memberId, m2.memberId].includes(a1.leaderId));
  assert.equal([m1, m2].filter((m) => m.isLeader).length, 1, 'exactly one leader');
  const leaderRecorder = m1.isLeader ? r1 : r2;
  const lastCall = leaderRecorder.assignCalls.at(-1)!;
  assert.deepEqual(lastCall.map((m) => m.metadata.toString()).sort(), ['meta-one', 'meta-two']);
  assert.equal(a1.assignment.toString(), 'for meta-one of 2');
  assert.equal(a2.assignment.toString(), 'for meta-two of 2');
  assert.equal(r1.revoked, 1, 'the first member gave up its assignment before rejoining');

  // The leader leaves: the other member rejoins and leads a group of one.
  const [leader, follower, followerRecorder] = m1.isLeader ? [m1, m2, r2] : [m2, m1, r1];
  const followerId = follower.memberId;
  const before = followerRecorder.assigned.length;
  await leader.leave();
  await waitFor('the follower to be reassigned', () => followerRecorder.assigned.length > before);
  const last = followerRecorder.assigned.at(-1)!;
  assert.equal(last.leaderId, followerId);
  assert.equal(follower.isLeader, true);
  assert.equal(last.generation, a1.generation + 1);
  assert.match(last.assignment.toString(), / of 1$/);
  await follower.leave();
});

test('two members of one client do not hold each other up', async () => {
  const groupId = uniqueTopic('sr-one-client');
  const r1 = recorder();
  const r2 = recorder();
  const m1 = await member(f.client, groupId, 'a', r1);
  // Meanwhile the client's other requests go through although a JoinGroup may be waiting at the coordinator.
  const joining = member(f.client, groupId, 'b', r2);
  const topic = uniqueTopic('while-joining');
  await f.client.createTopic(topic, { partitions: 1 });
  await f.client.producer().send(topic, [{ key: null, value: Buffer.from('x') }]);
  const m2 = await joining;
  await waitFor('both members in one generation', () => r1.assigned.at(-1)?.generation === r2.assigned.at(-1)?.generation);
  assert.equal([m1, m2].filter((m) => m.isLeader).length, 1);
  await Promise.all([m1.leave(), m2.leave()]);
});

test('a join the coordinator refuses fails with its error code, and the client stays usable', async () => {
  const groupId = uniqueTopic('refused-join');
  const base = { protocols: [{ name: 'v0', metadata: Buffer.from('x') }], assign: () => new Map<string, Buffer>(), onAssigned: () => {} };
  await rejectsWith(f.client.joinGroup(groupId, { ...base, protocolType: 'sr', sessionTimeoutMs: 1000 }), ErrorCode.INVALID_SESSION_TIMEOUT, new RegExp(`JoinGroup ${groupId} failed with INVALID_SESSION_TIMEOUT`));
  const r = recorder();
  const m = await member(f.client, groupId, 'sr-member', r);
  // Same group, another protocol type: Kafka refuses the newcomer.
  await rejectsWith(f.client.joinGroup(groupId, { ...base, protocolType: 'connect', sessionTimeoutMs: 6000 }), ErrorCode.INCONSISTENT_GROUP_PROTOCOL, /INCONSISTENT_GROUP_PROTOCOL/);
  assert.equal(m.isLeader, true, 'the existing member is undisturbed');
  await rejectsWith(f.client.joinGroup('', { ...base, protocolType: 'sr' }), ErrorCode.INVALID_GROUP_ID, /group id is empty/);
  await m.leave();
});

test('committed offsets read back; unknown partitions have none', async () => {
  const groupId = uniqueTopic('offsets-group');
  const topic = uniqueTopic('offsets-topic');
  await f.client.createTopic(topic, { partitions: 3 });
  await f.client.commitOffsets(groupId, [
    { topic, partition: 0, offset: 42, metadata: 'm' },
    { topic, partition: 2, offset: 7 },
  ]);
  const all = await f.client.fetchOffsets(groupId);
  assert.deepEqual(all.filter((o) => o.topic === topic).sort((a, b) => a.partition - b.partition), [
    { topic, partition: 0, offset: 42 },
    { topic, partition: 2, offset: 7 },
  ]);
  const some = await f.client.fetchOffsets(groupId, [{ topic, partitions: [1, 2] }]);
  assert.deepEqual(some.sort((a, b) => a.partition - b.partition), [
    { topic, partition: 1, offset: -1 },
    { topic, partition: 2, offset: 7 },
  ]);
  // A second commit overwrites the first.
  await f.client.commitOffsets(groupId, [{ topic, partition: 0, offset: 43 }]);
  assert.deepEqual(await f.client.fetchOffsets(groupId, [{ topic, partitions: [0] }]), [{ topic, partition: 0, offset: 43 }]);
  await rejectsWith(f.client.commitOffsets('', [{ topic, partition: 0, offset: 1 }]), ErrorCode.INVALID_GROUP_ID, /group id is empty/);
  const missing = uniqueTopic('no-such-topic');
  await rejectsWith(f.client.commitOffsets(groupId, [{ topic: missing, partition: 0, offset: 1 }]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, new RegExp(`OffsetCommit for group ${groupId}: topic partition ${missing}-0 does not exist`));
});

test('close leaves the groups joined; a closed client refuses every operation with a KafkaClientError', async () => {
  const c = await f.connect();
  const topic = uniqueTopic('closed');
  await c.createTopic(topic, { partitions: 1 });
  const producer = c.producer();
  const groupId = uniqueTopic('left-on-close');
  await member(c, groupId, 'closing', recorder());
  await c.close();
  // The coordinator saw a LeaveGroup: the group is empty at once, not after the session timeout.
  const w = await WireClient.connect(f.broker.host, f.broker.port);
  const described = await w.request(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false }) as { groups: { groupState: string; members: unknown[] }[] };
  w.close();
  assert.equal(described.groups[0]!.groupState, 'Empty');
  assert.deepEqual(described.groups[0]!.members, []);
  await rejectsWith(c.createTopic(uniqueTopic('after-close')), ErrorCode.NETWORK_EXCEPTION, /client is closed/);
  await rejectsWith(c.fetch(topic, 0, 0), ErrorCode.NETWORK_EXCEPTION, /client is closed/);
  await rejectsWith(producer.send(topic, [{ key: null, value: null }]), ErrorCode.NETWORK_EXCEPTION, /closed/);
  await rejectsWith(c.joinGroup('g', { protocolType: 'sr', protocols: [{ name: 'v0', metadata: Buffer.alloc(0) }], assign: () => new Map(), onAssigned: () => {} }), ErrorCode.NETWORK_EXCEPTION, /client is closed/);
  await c.close(); // twice is fine
});
