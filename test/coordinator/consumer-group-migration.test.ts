// Classic JoinGroup and KIP-848 consumer groups (group.consumer.migration.policy):
// an empty consumer group becomes a classic group on a classic JoinGroup, as
// Kafka's maybeDeleteEmptyConsumerGroup does whatever the policy (tombstones,
// offsets kept, the change survives a restart); a classic member is refused
// from a consumer group that has members (Kafka 4 would take it in as a mixed
// group: not implemented, see consumer-group-manager.ts), and the consumer
// protocol is refused from a non-empty classic group.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClassicGroup } from '../../src/coordinator/classic-group.js';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { beat, hb, join, logRecords, restart, short } from './consumer-helpers.js';
import { commit, harness, info, joinRequest, joinWithId, topic } from './helpers.js';

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

test('a classic member is refused from a consumer group that has members: INCONSISTENT_GROUP_PROTOCOL, the group untouched', async () => {
  const h = await harness();
  await topic(h, 't', 1);
  await join(h, 'm');
  const appends = h.store.appends;
  for (const memberId of ['', 'someone']) {
    const r = await h.coordinator.joinGroup(info(9), joinRequest({ groupId: 'cg', memberId }));
    assert.deepEqual([ErrorCode[r.errorCode], r.memberId], ['INCONSISTENT_GROUP_PROTOCOL', memberId]);
  }
  assert.equal(h.store.appends, appends);
  assert.equal(h.coordinator.group('cg')!.type, 'consumer');
  assert.equal((await beat(h, 'm', 1, null)).errorCode, ErrorCode.NONE);
});

test('the consumer protocol cannot join a classic group with members, whatever the policy (online upgrade not implemented)', async () => {
  for (const policy of ['bidirectional', 'disabled'] as const) {
    const h = await harness({ initialRebalanceDelayMs: 0, consumerMigrationPolicy: policy });
    await topic(h, 't', 1);
    const { joined } = await joinWithId(h, { groupId: 'cg' });
    h.clock.advance(0);
    assert.equal((await joined).errorCode, ErrorCode.NONE);
    const r = await h.coordinator.consumerGroupHeartbeat(info(1), hb({ memberId: 'x', rebalanceTimeoutMs: 1000, subscribedTopicNames: ['t'], topicPartitions: [] }));
    assert.deepEqual([ErrorCode[r.errorCode], r.errorMessage], ['GROUP_ID_NOT_FOUND', 'Group cg is not a consumer group.'], policy);
  }
});
