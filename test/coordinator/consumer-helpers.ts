// Short ways to drive a KIP-848 consumer group in the coordinator's unit
// tests (the member epoch, the partitions owned of topic "t"), to read back
// the group's records from __consumer_offsets, and to restart the coordinator
// over the same log.
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { LOG_OVERHEAD, decodeRecords, readBatchHeader } from '../../src/protocol/records/batch.js';
import type { HeartbeatRequest, HeartbeatResult, TopicPartitions } from '../../src/coordinator/consumer-group-manager.js';
import { groupPartition } from '../../src/coordinator/java-compat.js';
import { GROUP_METADATA_TOPIC, decodeRecord, type ConsumerGroupRecord, type CoordinatorRecord } from '../../src/coordinator/records.js';
import { ManualClock } from '../../src/coordinator/timer.js';
import { fakeTopicId } from './fake-store.js';
import { harness, info, type Harness } from './helpers.js';

export function hb(fields: Partial<HeartbeatRequest>): HeartbeatRequest {
  return {
    groupId: 'cg', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
    subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, ...fields,
  };
}

export async function join(h: Harness, memberId: string, fields: Partial<HeartbeatRequest> = {}): Promise<HeartbeatResult> {
  const r = await h.coordinator.consumerGroupHeartbeat(info(1), hb({ memberId, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [], ...fields }));
  assert.equal(ErrorCode[r.errorCode], 'NONE', r.errorMessage ?? '');
  return r;
}

export function beat(h: Harness, memberId: string, memberEpoch: number, owned: number[] | null, fields: Partial<HeartbeatRequest> = {}): Promise<HeartbeatResult> {
  const topicPartitions: TopicPartitions[] | null = owned === null ? null : [{ topicId: fakeTopicId('t'), partitions: owned }];
  return h.coordinator.consumerGroupHeartbeat(info(1), hb({ memberId, memberEpoch, topicPartitions, ...fields }));
}

/** Every record of the group's __consumer_offsets partition, in log order. */
export function logRecords(h: Harness, groupId = 'cg'): ConsumerGroupRecord[] {
  const tp = { topic: GROUP_METADATA_TOPIC, partition: groupPartition(groupId, 5) };
  const out: CoordinatorRecord[] = [];
  const read = h.store.read(tp, 0, 1 << 24, true);
  assert.equal(read.errorCode, ErrorCode.NONE);
  if (read.errorCode !== ErrorCode.NONE) return [];
  for (let pos = 0; pos < read.records.length;) {
    const size = readBatchHeader(read.records, pos).batchLength + LOG_OVERHEAD;
    for (const r of decodeRecords(read.records.subarray(pos, pos + size))) out.push(decodeRecord(r.key, r.value));
    pos += size;
  }
  return out.filter((r): r is ConsumerGroupRecord => r.type.startsWith('consumer-group-') && r.type !== 'unknown' && r.key.group === groupId);
}

export const short = (r: ConsumerGroupRecord) => `${r.type.replace('consumer-group-', '')}${'memberId' in r.key ? `(${r.key.memberId})` : ''}${r.value === null ? ' tombstone' : ''}`;

export function describe(h: Harness) {
  const d = h.coordinator.consumerGroupDescribe(['cg'])[0]!;
  return {
    state: d.groupState, groupEpoch: d.groupEpoch, assignmentEpoch: d.assignmentEpoch,
    members: d.members.map((m) => ({
      id: m.memberId, instance: m.instanceId, epoch: m.memberEpoch, topics: m.subscribedTopicNames, client: m.clientId,
      assigned: m.assignment.topicPartitions.map((t) => t.partitions), target: m.targetAssignment.topicPartitions.map((t) => t.partitions),
    })).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

export async function restart(h: Harness): Promise<Harness> {
  h.coordinator.stop();
  return harness(h.config, h.store, new ManualClock(h.clock.now()));
}
