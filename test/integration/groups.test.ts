// The group APIs over a real listener with the wire client: FindCoordinator,
// the classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) across
// versions, committed offsets, and the admin APIs, with the error codes Kafka
// answers for bad input. Runs against Apache Kafka too
// (TRIBUTARY_TEST_BOOTSTRAP, with group.initial.rebalance.delay.ms=0).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, errorMessage } from '../../src/protocol/generated/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient, encodeRequestFrame } from '../helpers/wire-client.js';
import { JoinGroupRequestMessage } from '../../src/protocol/generated/index.js';
import { subscription } from '../coordinator/helpers.js';
import { assignment, call, errorName, joinAndSync } from '../coordinator/group-wire.js';
import { createTopic, uniqueTopic, watchBrokerErrors } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
let node: { nodeId: number; host: string; port: number };
const watch = watchBrokerErrors();

before(async () => {
  broker = await startEmbeddedBroker({ overrides: ['group.initial.rebalance.delay.ms=0', 'offsets.topic.num.partitions=5'] });
  c = await WireClient.connect(broker.host, broker.port);
  const meta = await c.request(ApiKey.Metadata, 12, { topics: [] });
  node = { nodeId: meta.brokers[0]!.nodeId, host: meta.brokers[0]!.host, port: meta.brokers[0]!.port };
});

after(async () => {
  c?.close();
  await broker?.stop();
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

/** FindCoordinator until the coordinator is ready (Apache Kafka answers COORDINATOR_NOT_AVAILABLE while it creates __consumer_offsets). */
async function findGroupCoordinator(groupId: string, version = 3) {
  for (let i = 0; ; i++) {
    const r = await call(c, ApiKey.FindCoordinator, version, { key: groupId, keyType: 0 });
    if (r.errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE || i > 100) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Retries a group request while the coordinator is still loading (Apache Kafka, right after creating the topic). */
async function whenLoaded<T extends { errorCode?: number }>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    const r = await fn();
    if ((r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && r.errorCode !== ErrorCode.NOT_COORDINATOR && r.errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE) || i > 100) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

test('FindCoordinator v0-6: this broker for every group; v1-3 say "NONE", v4+ answer per key', async () => {
  const v3 = await findGroupCoordinator('any-group');
  assert.equal(errorName(v3.errorCode), 'NONE');
  assert.deepEqual([v3.nodeId, v3.host, v3.port], [node.nodeId, node.host, node.port]);
  for (const version of [0, 1, 2, 3]) {
    const r = await call(c, ApiKey.FindCoordinator, version, { key: `g-${version}`, keyType: 0 });
    assert.equal(errorName(r.errorCode), 'NONE', `v${version}`);
    assert.deepEqual([r.nodeId, r.host, r.port], [node.nodeId, node.host, node.port]);
    if (version >= 1) assert.equal(r.errorMessage, 'NONE', `v${version} error message`);
  }
  for (const version of [4, 5, 6]) {
    const r = await call(c, ApiKey.FindCoordinator, version, { keyType: 0, coordinatorKeys: ['a', 'b', ''] });
    assert.deepEqual(r.coordinators.map((x) => [x.key, errorName(x.errorCode), x.nodeId, x.host, x.port, x.errorMessage]), [
      ['a', 'NONE', node.nodeId, node.host, node.port, ''],
      ['b', 'NONE', node.nodeId, node.host, node.port, ''],
      ['', 'NONE', node.nodeId, node.host, node.port, ''],
    ], `v${version}`);
  }
});

test('FindCoordinator: an unknown key type is INVALID_REQUEST; transactional ids have this broker as coordinator', async () => {
  const bad = await call(c, ApiKey.FindCoordinator, 3, { key: 'x', keyType: 7 });
  assert.equal(errorName(bad.errorCode), 'INVALID_REQUEST');
  assert.equal(bad.nodeId, -1);
  assert.equal(bad.errorMessage, errorMessage(ErrorCode.INVALID_REQUEST));
  const badBatch = await call(c, ApiKey.FindCoordinator, 4, { keyType: 7, coordinatorKeys: ['x'] });
  assert.deepEqual([errorName(badBatch.coordinators[0]!.errorCode), badBatch.coordinators[0]!.nodeId, badBatch.coordinators[0]!.errorMessage],
    ['INVALID_REQUEST', -1, errorMessage(ErrorCode.INVALID_REQUEST)]);
  // Share groups (KIP-932) are not enabled: INVALID_REQUEST, with no message.
  const share = await call(c, ApiKey.FindCoordinator, 6, { keyType: 2, coordinatorKeys: ['sh'] });
  assert.deepEqual([errorName(share.coordinators[0]!.errorCode), share.coordinators[0]!.errorMessage], ['INVALID_REQUEST', '']);
  const txn = await call(c, ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx'] });
  assert.deepEqual([errorName(txn.coordinators[0]!.errorCode), txn.coordinators[0]!.errorMessage], ['NONE', '']);
  assert.ok(txn.coordinators[0]!.nodeId >= 0);
  const old = await call(c, ApiKey.FindCoordinator, 3, { key: 'tx', keyType: 1 });
  assert.equal(old.errorMessage, 'NONE');
});

test('a consumer\'s life in one group: join (KIP-394), sync, heartbeat, commit, fetch, leave', async () => {
  const topic = uniqueTopic('groups-life');
  await createTopic(c, topic, 2);
  const groupId = uniqueTopic('life');
  await findGroupCoordinator(groupId);
  const meta = subscription([topic]);

  const first = await whenLoaded(() => call(c, ApiKey.JoinGroup, 5, {
    groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }],
  }));
  assert.equal(errorName(first.errorCode), 'MEMBER_ID_REQUIRED');
  assert.match(first.memberId, /^wire-client-[0-9a-f-]{36}$/);
  const joined = await call(c, ApiKey.JoinGroup, 5, {
    groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }],
  });
  assert.equal(errorName(joined.errorCode), 'NONE');
  assert.deepEqual([joined.generationId, joined.protocolName, joined.leader, joined.memberId], [1, 'range', first.memberId, first.memberId]);
  assert.deepEqual(joined.members.map((m) => [m.memberId, m.groupInstanceId, m.metadata]), [[first.memberId, null, meta]]);

  const mine = assignment({ [topic]: [0, 1] });
  const synced = await call(c, ApiKey.SyncGroup, 3, { groupId, generationId: 1, memberId: first.memberId, groupInstanceId: null, assignments: [{ memberId: first.memberId, assignment: mine }] });
  assert.deepEqual([errorName(synced.errorCode), synced.assignment], ['NONE', mine]);
  const hb = await call(c, ApiKey.Heartbeat, 3, { groupId, generationId: 1, memberId: first.memberId, groupInstanceId: null });
  assert.equal(errorName(hb.errorCode), 'NONE');

  const committed = await call(c, ApiKey.OffsetCommit, 8, {
    groupId, generationIdOrMemberEpoch: 1, memberId: first.memberId, groupInstanceId: null,
    topics: [{ name: topic, partitions: [
      { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 0, committedMetadata: 'meta' },
      { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: null },
    ] }],
  });
  assert.deepEqual(committed.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, errorName(p.errorCode)])]), [[topic, [[0, 'NONE'], [1, 'NONE']]]]);

  const v8 = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId, topics: null }, { groupId: 'no-such-group-x', topics: [{ name: topic, partitionIndexes: [0] }] }], requireStable: true });
  assert.equal(v8.groups.length, 2);
  const all = v8.groups[0]!;
  assert.equal(errorName(all.errorCode), 'NONE');
  const offsets = all.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata]))
    .sort((a, b) => (a[1] as number) - (b[1] as number));
  assert.deepEqual(offsets, [[topic, 0, 42, 0, 'meta'], [topic, 1, 7, -1, '']]);
  assert.deepEqual(v8.groups[1]!.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata, errorName(p.errorCode)]), [[-1, '', 'NONE']]);
  for (const version of [1, 5, 7]) {
    const r = await call(c, ApiKey.OffsetFetch, version, { groupId, topics: [{ name: topic, partitionIndexes: [1, 0] }] });
    assert.deepEqual(r.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset]), [[1, 7], [0, 42]], `OffsetFetch v${version}`);
  }

  const described = await call(c, ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
  const g = described.groups[0]!;
  assert.deepEqual([errorName(g.errorCode), g.groupState, g.protocolType, g.protocolData], ['NONE', 'Stable', 'consumer', 'range']);
  assert.deepEqual(g.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.memberMetadata, m.memberAssignment]), [[first.memberId, 'wire-client', '/127.0.0.1', meta, mine]]);
  assert.equal(g.authorizedOperations, -2147483648);

  const left = await call(c, ApiKey.LeaveGroup, 3, { groupId, members: [{ memberId: first.memberId, groupInstanceId: null }] });
  assert.deepEqual([errorName(left.errorCode), left.members.map((m) => [m.memberId, errorName(m.errorCode)])], ['NONE', [[first.memberId, 'NONE']]]);
  const after = await call(c, ApiKey.DescribeGroups, 0, { groups: [groupId] });
  assert.deepEqual([after.groups[0]!.groupState, after.groups[0]!.members.length], ['Empty', 0]);
});

test('older versions: JoinGroup v0 joins without a member id round trip; LeaveGroup v0 answers one error', async () => {
  const groupId = uniqueTopic('old');
  await findGroupCoordinator(groupId);
  const j = await whenLoaded(() => call(c, ApiKey.JoinGroup, 0, {
    groupId, sessionTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(['t']) }],
  }));
  assert.equal(errorName(j.errorCode), 'NONE');
  assert.equal(j.generationId, 1);
  assert.equal(j.leader, j.memberId);
  const s = await call(c, ApiKey.SyncGroup, 0, { groupId, generationId: 1, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.from([0, 0]) }] });
  assert.equal(errorName(s.errorCode), 'NONE');
  const unknown = await call(c, ApiKey.LeaveGroup, 0, { groupId, memberId: 'ghost' });
  assert.equal(errorName(unknown.errorCode), 'UNKNOWN_MEMBER_ID');
  const left = await call(c, ApiKey.LeaveGroup, 1, { groupId, memberId: j.memberId });
  assert.equal(errorName(left.errorCode), 'NONE');
  // JoinGroup before v7 has a non-nullable protocol name: errors carry "".
  const bad = await call(c, ApiKey.JoinGroup, 6, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 1000, memberId: 'ghost', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
  assert.deepEqual([errorName(bad.errorCode), bad.protocolName, bad.memberId], ['UNKNOWN_MEMBER_ID', '', 'ghost']);
  const bad7 = await call(c, ApiKey.JoinGroup, 7, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 1000, memberId: 'ghost', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
  assert.deepEqual([errorName(bad7.errorCode), bad7.protocolName, bad7.protocolType], ['UNKNOWN_MEMBER_ID', null, null]);
});

test('bad input gets Kafka\'s error codes: empty group id, session timeout, unknown members, stale generations, metadata size, unknown topics', async () => {
  const topic = uniqueTopic('groups-bad');
  await createTopic(c, topic, 1);
  const groupId = uniqueTopic('bad');
  await findGroupCoordinator(groupId);
  const join = (fields: Record<string, unknown>) => call(c, ApiKey.JoinGroup, 9, {
    groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription([topic]) }], ...fields,
  });
  assert.equal(errorName((await join({ groupId: '' })).errorCode), 'INVALID_GROUP_ID');
  assert.equal(errorName((await join({ sessionTimeoutMs: 1000 })).errorCode), 'INVALID_SESSION_TIMEOUT');
  assert.equal(errorName((await join({ sessionTimeoutMs: 1_800_001 })).errorCode), 'INVALID_SESSION_TIMEOUT');
  assert.equal(errorName((await join({ memberId: 'ghost' })).errorCode), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName((await join({ protocols: [] })).errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(errorName((await call(c, ApiKey.Heartbeat, 4, { groupId: '', generationId: 1, memberId: 'm' })).errorCode), 'INVALID_GROUP_ID');
  assert.equal(errorName((await call(c, ApiKey.SyncGroup, 5, { groupId: '', generationId: 1, memberId: 'm', protocolType: 'consumer', protocolName: 'range' })).errorCode), 'INVALID_GROUP_ID');
  // From v5 the protocol type and name are mandatory.
  assert.equal(errorName((await call(c, ApiKey.SyncGroup, 5, { groupId, generationId: 1, memberId: 'm' })).errorCode), 'INCONSISTENT_GROUP_PROTOCOL');
  assert.equal(errorName((await call(c, ApiKey.LeaveGroup, 5, { groupId: '', members: [] })).errorCode), 'INVALID_GROUP_ID');
  assert.equal(errorName((await call(c, ApiKey.OffsetDelete, 0, { groupId: '', topics: [] })).errorCode), 'INVALID_GROUP_ID');

  const me = await joinAndSync(c, groupId, [topic]);
  assert.equal(errorName((await call(c, ApiKey.Heartbeat, 4, { groupId, generationId: me.generationId, memberId: 'ghost' })).errorCode), 'UNKNOWN_MEMBER_ID');
  assert.equal(errorName((await call(c, ApiKey.Heartbeat, 4, { groupId, generationId: me.generationId + 1, memberId: me.memberId })).errorCode), 'ILLEGAL_GENERATION');
  assert.equal(errorName((await call(c, ApiKey.SyncGroup, 4, { groupId, generationId: 0, memberId: me.memberId })).errorCode), 'ILLEGAL_GENERATION');
  assert.equal(errorName((await call(c, ApiKey.Heartbeat, 4, { groupId, generationId: me.generationId, memberId: me.memberId, groupInstanceId: 'not-mine' })).errorCode), 'UNKNOWN_MEMBER_ID');

  const commit = (version: number, fields: Record<string, unknown>, partitions = [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null as string | null }]) =>
    call(c, ApiKey.OffsetCommit, version, { groupId, generationIdOrMemberEpoch: me.generationId, memberId: me.memberId, topics: [{ name: topic, partitions }], ...fields })
      .then((r) => r.topics.flatMap((t) => t.partitions.map((p) => errorName(p.errorCode))));
  assert.deepEqual(await commit(8, { generationIdOrMemberEpoch: me.generationId - 1 }), ['ILLEGAL_GENERATION']);
  assert.deepEqual(await commit(8, { memberId: 'ghost' }), ['UNKNOWN_MEMBER_ID']);
  assert.deepEqual(await commit(8, {}, [{ partitionIndex: 0, committedOffset: 1, committedMetadata: 'x'.repeat(4097) }]), ['OFFSET_METADATA_TOO_LARGE']);
  assert.deepEqual(await commit(8, {}, [{ partitionIndex: 0, committedOffset: 1, committedMetadata: 'x'.repeat(4096) }]), ['NONE']);
  assert.deepEqual(await commit(8, {}, [{ partitionIndex: 5, committedOffset: 1, committedMetadata: null }]), ['UNKNOWN_TOPIC_OR_PARTITION']);
  assert.deepEqual(await commit(8, { topics: [{ name: 'no-such-topic-here', partitions: [{ partitionIndex: 0, committedOffset: 1 }] }] }), ['UNKNOWN_TOPIC_OR_PARTITION']);
  assert.deepEqual(await commit(8, { groupId: uniqueTopic('never') }), ['ILLEGAL_GENERATION']);
  assert.deepEqual(await commit(9, { groupId: uniqueTopic('never') }), ['GROUP_ID_NOT_FOUND']);
  if (!broker.external) {
    // Kafka 4 dropped OffsetCommit v0-1 (KIP-896); we still serve them.
    assert.deepEqual(await commit(0, { groupId }), ['UNKNOWN_MEMBER_ID'], 'v0 (no member, no generation) cannot commit for an active group');
  }
});

test('group ids at Kafka\'s string limit: 32767 bytes work, longer is a malformed request and closes the connection', async () => {
  const topic = uniqueTopic('groups-long');
  await createTopic(c, topic, 1);
  const longest = 'g'.repeat(32767);
  const ok = await whenLoaded(async () => {
    const r = await call(c, ApiKey.OffsetCommit, 9, { groupId: longest, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 3 }] }] });
    return { errorCode: r.topics[0]!.partitions[0]!.errorCode };
  });
  assert.equal(errorName(ok.errorCode), 'NONE');
  const fetched = await call(c, ApiKey.OffsetFetch, 9, { groups: [{ groupId: longest, topics: [{ name: topic, partitionIndexes: [0] }] }] });
  assert.equal(fetched.groups[0]!.topics[0]!.partitions[0]!.committedOffset, 3);

  const victim = await WireClient.connect(broker.host, broker.port);
  const frame = encodeRequestFrame(ApiKey.JoinGroup, 9, 1, 'x', (w) => JoinGroupRequestMessage.encode(w, 9, {
    groupId: 'g'.repeat(40000), sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  }));
  await victim.sendRaw(frame);
  assert.equal(await victim.waitForClose(5000), true, 'the connection is closed');
  victim.close();
});

test('ListGroups filters by state (v4) and type (v5); DescribeGroups v3+ may list authorized operations', async () => {
  const topic = uniqueTopic('groups-list');
  await createTopic(c, topic, 1);
  const stableId = uniqueTopic('stable');
  const emptyId = uniqueTopic('empty');
  await findGroupCoordinator(stableId);
  await whenLoaded(async () => ({ errorCode: (await call(c, ApiKey.OffsetCommit, 8, { groupId: emptyId, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1 }] }] })).topics[0]!.partitions[0]!.errorCode }));
  await joinAndSync(c, stableId, [topic]);

  const all = await call(c, ApiKey.ListGroups, 3, {});
  const find = <T extends { groupId: string }>(groups: T[], id: string): T | undefined => groups.find((g) => g.groupId === id);
  assert.equal(find(all.groups, stableId)?.protocolType, 'consumer');
  assert.equal(find(all.groups, emptyId)?.protocolType, '');
  const stable = await call(c, ApiKey.ListGroups, 4, { statesFilter: ['stable'] });
  assert.ok(find(stable.groups, stableId) !== undefined && find(stable.groups, emptyId) === undefined);
  assert.equal(find(stable.groups, stableId)!.groupState, 'Stable');
  const typed = await call(c, ApiKey.ListGroups, 5, { typesFilter: ['classic'] });
  assert.equal(find(typed.groups, stableId)?.groupType, 'classic');
  const consumerType = await call(c, ApiKey.ListGroups, 5, { typesFilter: ['consumer'] });
  assert.equal(find(consumerType.groups, stableId), undefined);

  // Kafka answers groups in the order of their coordinator partitions, so look them up by id.
  const d = await call(c, ApiKey.DescribeGroups, 5, { groups: [stableId, 'no-such-group-zz'], includeAuthorizedOperations: true });
  const described = (id: string) => d.groups.find((g) => g.groupId === id)!;
  assert.equal(described(stableId).authorizedOperations & ((1 << 3) | (1 << 6) | (1 << 8)), (1 << 3) | (1 << 6) | (1 << 8), 'READ, DELETE, DESCRIBE');
  const dead = described('no-such-group-zz');
  assert.deepEqual([errorName(dead.errorCode), dead.groupState, dead.members.length], ['NONE', 'Dead', 0]);
});

test('DeleteGroups and OffsetDelete: Kafka\'s refusals for active groups and subscribed topics', async () => {
  const topic = uniqueTopic('groups-del');
  const other = uniqueTopic('groups-del-other');
  await createTopic(c, topic, 1);
  await createTopic(c, other, 1);
  const active = uniqueTopic('active');
  const idle = uniqueTopic('idle');
  await findGroupCoordinator(active);
  const me = await joinAndSync(c, active, [topic]);
  await call(c, ApiKey.OffsetCommit, 8, { groupId: active, generationIdOrMemberEpoch: me.generationId, memberId: me.memberId, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5 }] }, { name: other, partitions: [{ partitionIndex: 0, committedOffset: 6 }] }] });
  await call(c, ApiKey.OffsetCommit, 8, { groupId: idle, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 9 }] }] });

  const del = await call(c, ApiKey.OffsetDelete, 0, { groupId: active, topics: [
    { name: topic, partitions: [{ partitionIndex: 0 }] }, { name: other, partitions: [{ partitionIndex: 0 }, { partitionIndex: 3 }] }, { name: 'no-such-topic-q', partitions: [{ partitionIndex: 0 }] },
  ] });
  assert.equal(errorName(del.errorCode), 'NONE');
  const byTopic = Object.fromEntries(del.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, errorName(p.errorCode)])]));
  // Unknown partitions are answered first (before the coordinator's answers), as Kafka builds the response.
  assert.deepEqual(byTopic, {
    [topic]: [[0, 'GROUP_SUBSCRIBED_TO_TOPIC']], [other]: [[3, 'UNKNOWN_TOPIC_OR_PARTITION'], [0, 'NONE']], 'no-such-topic-q': [[0, 'UNKNOWN_TOPIC_OR_PARTITION']],
  });
  // A partition without a committed offset is answered NONE.
  const none = await call(c, ApiKey.OffsetDelete, 0, { groupId: active, topics: [{ name: other, partitions: [{ partitionIndex: 0 }] }] });
  assert.deepEqual(none.topics.map((t) => t.partitions.map((p) => errorName(p.errorCode))), [['NONE']]);
  const left = await call(c, ApiKey.OffsetFetch, 7, { groupId: active, topics: null });
  assert.deepEqual(left.topics.map((t) => t.name), [topic]);

  const r = await call(c, ApiKey.DeleteGroups, 2, { groupsNames: [active, idle, 'no-such-group-yy'] });
  assert.deepEqual(r.results.map((x) => [x.groupId, errorName(x.errorCode)]).sort(), [
    [active, 'NON_EMPTY_GROUP'], [idle, 'NONE'], ['no-such-group-yy', 'GROUP_ID_NOT_FOUND'],
  ].sort());
  const gone = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: idle, topics: null }] });
  assert.deepEqual(gone.groups[0]!.topics, []);
});

test('a second member makes the first rejoin: REBALANCE_IN_PROGRESS, then both in generation 2', async () => {
  const topic = uniqueTopic('groups-two');
  await createTopic(c, topic, 2);
  const groupId = uniqueTopic('two');
  await findGroupCoordinator(groupId);
  const first = await joinAndSync(c, groupId, [topic]);
  const c2 = await WireClient.connect(broker.host, broker.port);
  try {
    const meta = subscription([topic]);
    const id = await call(c2, ApiKey.JoinGroup, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: meta }] });
    const secondJoin = call(c2, ApiKey.JoinGroup, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: id.memberId, protocolType: 'consumer', protocols: [{ name: 'range', metadata: meta }] });
    let hb = await call(c, ApiKey.Heartbeat, 4, { groupId, generationId: 1, memberId: first.memberId });
    for (let i = 0; hb.errorCode === ErrorCode.NONE && i < 50; i++) {
      await new Promise((res) => setTimeout(res, 50));
      hb = await call(c, ApiKey.Heartbeat, 4, { groupId, generationId: 1, memberId: first.memberId });
    }
    assert.equal(errorName(hb.errorCode), 'REBALANCE_IN_PROGRESS');
    const rejoin = await call(c, ApiKey.JoinGroup, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: first.memberId, protocolType: 'consumer', protocols: [{ name: 'range', metadata: meta }] });
    const second = await secondJoin;
    assert.deepEqual([rejoin.generationId, second.generationId], [2, 2]);
    assert.equal(rejoin.leader, first.memberId);
    assert.deepEqual(rejoin.members.map((m) => m.memberId).sort(), [first.memberId, id.memberId].sort());
    assert.deepEqual(second.members, []);
  } finally {
    c2.close();
  }
});
