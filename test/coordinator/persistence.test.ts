// __consumer_offsets as the groups' memory: a new coordinator over the same
// log rebuilds groups and offsets, answers COORDINATOR_LOAD_IN_PROGRESS while
// loading, restarts the loaded members' sessions, and keeps deletions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClassicGroup } from '../../src/coordinator/classic-group.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, GroupCoordinator } from '../../src/coordinator/group-coordinator.js';
import { GROUP_METADATA_TOPIC } from '../../src/coordinator/records.js';
import { ManualClock } from '../../src/coordinator/timer.js';
import { commit, errorName, harness, heartbeat, info, joinRequest, joinWithId, settle, sync, topic } from './helpers.js';

test('a restarted coordinator rebuilds a Stable group and its offsets; members carry on with their generation', async () => {
  const h = await harness({ initialRebalanceDelayMs: 0 });
  await topic(h, 't', 2);
  const a = await joinWithId(h);
  const b = await joinWithId(h, { groupInstanceId: null });
  h.clock.advance(0);
  const [ja] = await Promise.all([a.joined, b.joined]);
  const fb = sync(h, 'g', b.memberId, 1);
  await sync(h, 'g', a.memberId, 1, [{ memberId: a.memberId, assignment: Buffer.from('A') }, { memberId: b.memberId, assignment: Buffer.from('B') }]);
  await fb;
  await commit(h, 'g', { t: [11, 22] }, { generation: 1, memberId: a.memberId });
  await commit(h, 'g', { t: [12] }, { generation: 1, memberId: b.memberId });
  h.coordinator.stop();

  const clock = new ManualClock(h.clock.now());
  const again = await harness({ initialRebalanceDelayMs: 0 }, h.store, clock);
  const g = again.coordinator.group('g');
  assert.ok(g instanceof ClassicGroup);
  assert.equal(g.state, 'Stable');
  assert.equal(g.generationId, ja.generationId);
  assert.equal(g.leaderId, a.memberId);
  assert.equal(g.protocolName, 'range');
  assert.deepEqual([...g.members.keys()].sort(), [a.memberId, b.memberId].sort());
  assert.equal(g.member(b.memberId).assignment.toString(), 'B');
  assert.equal(again.coordinator.committedOffset('g', 't', 0), 12);
  assert.equal(again.coordinator.committedOffset('g', 't', 1), 22);
  assert.equal(errorName(await heartbeat(again, 'g', a.memberId, 1)), 'NONE');
  assert.equal((await sync(again, 'g', b.memberId, 1)).assignment.toString(), 'B');
  // b never heartbeats again: its session, restarted by the load, ends it and the group rebalances.
  clock.advance(6000);
  assert.equal(errorName(await heartbeat(again, 'g', a.memberId, 1)), 'NONE');
  clock.advance(4000);
  await settle();
  assert.equal(errorName(await heartbeat(again, 'g', a.memberId, 1)), 'REBALANCE_IN_PROGRESS');
});

test('while __consumer_offsets loads: COORDINATOR_LOAD_IN_PROGRESS, and heartbeats are answered NONE', async () => {
  const h = await harness();
  await topic(h, 't', 1);
  await commit(h, 'g', { t: [5] });
  h.coordinator.stop();

  const clock = new ManualClock();
  const c = new GroupCoordinator(h.store, { ...DEFAULT_GROUP_COORDINATOR_CONFIG, offsetsTopicPartitions: 5 }, clock, clock);
  const loading = c.start();
  assert.equal(c.isActive, false);
  assert.equal(errorName((await c.joinGroup(info(), joinRequest())).errorCode), 'COORDINATOR_LOAD_IN_PROGRESS');
  assert.equal(errorName(await c.heartbeat({ groupId: 'g', memberId: 'm', generationId: 1, groupInstanceId: null })), 'NONE');
  assert.equal(errorName(c.fetchOffsets('g', null, -1, null).errorCode), 'COORDINATOR_LOAD_IN_PROGRESS');
  assert.equal(errorName(c.listGroups([], []).errorCode), 'COORDINATOR_LOAD_IN_PROGRESS');
  assert.equal(errorName(c.describeGroups(['g'])[0]!.errorCode), 'COORDINATOR_LOAD_IN_PROGRESS');
  const commits = await c.commitOffsets({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] }, 9);
  assert.equal(errorName(commits[0]!.partitions[0]!.errorCode), 'COORDINATOR_LOAD_IN_PROGRESS');
  await loading;
  assert.equal(c.isActive, true);
  assert.equal(c.fetchOffsets('g', null, -1, null).topics[0]!.partitions[0]!.committedOffset, 5);
  c.stop();
  assert.equal(errorName((await c.joinGroup(info(), joinRequest())).errorCode), 'COORDINATOR_NOT_AVAILABLE');
});

test('deletions survive a restart: deleted groups, deleted offsets and expired offsets stay gone', async () => {
  const h = await harness({ retentionMs: 1000, retentionCheckIntervalMs: 5000 });
  await topic(h, 't', 1);
  await commit(h, 'deleted', { t: [1] });
  await commit(h, 'offsets-deleted', { t: [2] });
  await commit(h, 'expiring', { t: [3] });
  assert.deepEqual((await h.coordinator.deleteGroups(['deleted'])).map((r) => errorName(r.errorCode)), ['NONE']);
  await h.coordinator.deleteOffsets('offsets-deleted', [{ name: 't', partitions: [0] }]);
  // The periodic expiry pass (offsets.retention.check.interval.ms) runs on the timer.
  h.clock.advance(5000);
  await settle();
  assert.equal(h.coordinator.group('expiring'), undefined);
  h.coordinator.stop();

  const again = await harness({}, h.store);
  assert.equal(again.coordinator.group('deleted'), undefined);
  assert.equal(again.coordinator.group('expiring'), undefined);
  assert.equal(again.coordinator.committedOffset('offsets-deleted', 't', 0), undefined);
  assert.equal(again.coordinator.committedOffset('expiring', 't', 0), undefined);
  // A simple group left without offsets went in the same expiry pass.
  assert.equal(again.coordinator.group('offsets-deleted'), undefined);
});

test('groups land in the partition Kafka would pick, and an existing topic keeps its partition count', async () => {
  const h = await harness({ offsetsTopicPartitions: 7 });
  await topic(h, 't', 1);
  await commit(h, 'my-group', { t: [1] });
  assert.equal(h.store.getTopic(GROUP_METADATA_TOPIC)!.partitionCount, 7);
  assert.equal(h.coordinator.partitionFor('my-group'), 1906497762 % 7);
  assert.equal(h.store.batches({ topic: GROUP_METADATA_TOPIC, partition: 1906497762 % 7 }).length, 1);
  h.coordinator.stop();
  // Reconfigured to 50 partitions, the coordinator still finds the group where it is.
  const again = await harness({ offsetsTopicPartitions: 50 }, h.store);
  assert.equal(again.coordinator.partitionFor('my-group'), 1906497762 % 7);
  assert.equal(again.coordinator.committedOffset('my-group', 't', 0), 1);
});

test('a malformed record in __consumer_offsets is skipped while loading, not fatal', async () => {
  const h = await harness();
  await topic(h, 't', 1);
  await commit(h, 'g', { t: [8] });
  const { buildRecordBatch } = await import('../../src/protocol/records/batch-builder.js');
  const bad = buildRecordBatch([{ key: Buffer.from([0, 1, 0, 9]), value: Buffer.from([0, 3]) }], h.clock.now());
  h.store.append({ topic: GROUP_METADATA_TOPIC, partition: 0 }, bad, h.clock.now());
  h.coordinator.stop();
  const again = await harness({}, h.store);
  assert.equal(again.coordinator.isActive, true);
  assert.equal(again.coordinator.committedOffset('g', 't', 0), 8);
});
