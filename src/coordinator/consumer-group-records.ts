// How a KIP-848 consumer group is kept in __consumer_offsets, as Kafka 4 keeps
// it: one ConsumerGroupMetadata (group epoch), PartitionMetadata (the
// subscribed topics), TargetAssignmentMetadata (assignment epoch) record per
// group, and per member its MemberMetadata (subscription and client),
// TargetAssignmentMember and CurrentMemberAssignment (member epoch, state,
// owned and revoking partitions). The manager changes the group in memory;
// changedRecords() then writes only the records whose value differs from what
// the log already holds (the group remembers the encoded values it wrote or
// replayed), tombstones for members that are gone, in the order Kafka writes
// them. replayConsumerGroupRecord() rebuilds the same state on load.

import { addPartition, type Assignment } from './assignors/assignor.js';
import type { ConsumerGroup, ConsumerGroupMember, MemberState } from './consumer-group.js';
import {
  MEMBER_STATE_STABLE, MEMBER_STATE_UNRELEASED_PARTITIONS, MEMBER_STATE_UNREVOKED_PARTITIONS, encodeConsumerGroupValue,
  type ConsumerGroupRecord, type CoordinatorRecord, type TopicPartitionsValue,
} from './records.js';

const STATE_TO_BYTE: Record<MemberState, number> = {
  stable: MEMBER_STATE_STABLE,
  unrevoked: MEMBER_STATE_UNREVOKED_PARTITIONS,
  unreleased: MEMBER_STATE_UNRELEASED_PARTITIONS,
};

export function memberStateFromByte(b: number): MemberState {
  // Kafka's UNKNOWN (127, a future state) is treated as a member that must reconcile from scratch.
  return b === MEMBER_STATE_UNREVOKED_PARTITIONS ? 'unrevoked' : b === MEMBER_STATE_UNRELEASED_PARTITIONS ? 'unreleased' : 'stable';
}

export function toTopicPartitions(a: Assignment): TopicPartitionsValue[] {
  return [...a].filter(([, s]) => s.size > 0).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, s]) => ({ topicId, partitions: [...s].sort((p, q) => p - q) }));
}

export function fromTopicPartitions(list: readonly TopicPartitionsValue[]): Assignment {
  const a: Assignment = new Map();
  for (const t of list) for (const p of t.partitions) addPartition(a, t.topicId, p);
  return a;
}

/** The record key as a map key: type plus member id ('' for group-level records). */
function slot(r: ConsumerGroupRecord): string {
  return 'memberId' in r.key ? `${r.type}\u0000${r.key.memberId}` : r.type;
}

function memberMetadataRecord(groupId: string, m: ConsumerGroupMember): ConsumerGroupRecord {
  return {
    type: 'consumer-group-member-metadata', key: { group: groupId, memberId: m.memberId },
    value: {
      instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs, serverAssignor: m.serverAssignor, classicMemberMetadata: m.classic,
    },
  };
}

function targetRecord(groupId: string, memberId: string, target: Assignment | undefined): ConsumerGroupRecord {
  return {
    type: 'consumer-group-target-assignment-member', key: { group: groupId, memberId },
    value: target === undefined ? null : { topicPartitions: toTopicPartitions(target) },
  };
}

function currentAssignmentRecord(groupId: string, m: ConsumerGroupMember): ConsumerGroupRecord {
  return {
    type: 'consumer-group-current-member-assignment', key: { group: groupId, memberId: m.memberId },
    value: {
      memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: STATE_TO_BYTE[m.state],
      assignedPartitions: toTopicPartitions(m.assigned), partitionsPendingRevocation: toTopicPartitions(m.pendingRevocation),
    },
  };
}

function memberTombstones(groupId: string, memberId: string): ConsumerGroupRecord[] {
  // Kafka's order: current assignment, target assignment, then the member itself.
  const key = { group: groupId, memberId };
  return [
    { type: 'consumer-group-current-member-assignment', key, value: null },
    { type: 'consumer-group-target-assignment-member', key, value: null },
    { type: 'consumer-group-member-metadata', key, value: null },
  ];
}

/** Appends `r` when its value differs from what the log holds, and remembers it as written. */
function emit(group: ConsumerGroup, r: ConsumerGroupRecord, out: CoordinatorRecord[]): void {
  const key = slot(r);
  if (r.value === null) {
    if (!group.persisted.delete(key)) return;
  } else {
    const encoded = encodeConsumerGroupValue(r)!;
    const previous = group.persisted.get(key);
    if (previous !== undefined && previous.equals(encoded)) return;
    group.persisted.set(key, encoded);
  }
  out.push(r);
}

/**
 * The records that bring __consumer_offsets up to the group's in-memory state:
 * tombstones of departed members, then (for the members marked dirty, or all
 * when the target assignment was recomputed) member metadata, the group's
 * partition metadata and epoch, target assignments, and current assignments.
 */
export function changedRecords(group: ConsumerGroup): CoordinatorRecord[] {
  const out: CoordinatorRecord[] = [];
  const g = group.groupId;
  for (const id of [...group.persistedMembers]) {
    if (group.members.has(id)) continue;
    for (const r of memberTombstones(g, id)) emit(group, r, out);
    group.persistedMembers.delete(id);
  }
  const dirty = group.allMembersDirty ? [...group.members.values()] : [...group.dirtyMembers].map((id) => group.members.get(id)).filter((m) => m !== undefined);
  group.dirtyMembers.clear();
  group.allMembersDirty = false;

  for (const m of dirty) emit(group, memberMetadataRecord(g, m), out);
  emit(group, {
    type: 'consumer-group-partition-metadata', key: { group: g },
    value: { topics: group.subscriptionMetadata.map((t) => ({ topicId: t.topicId, topicName: t.name, numPartitions: t.partitionCount })) },
  }, out);
  emit(group, { type: 'consumer-group-metadata', key: { group: g }, value: { epoch: group.groupEpoch } }, out);
  for (const m of dirty) emit(group, targetRecord(g, m.memberId, group.targetAssignment.get(m.memberId)), out);
  emit(group, { type: 'consumer-group-target-assignment-metadata', key: { group: g }, value: { assignmentEpoch: group.assignmentEpoch } }, out);
  for (const m of dirty) {
    emit(group, currentAssignmentRecord(g, m), out);
    group.persistedMembers.add(m.memberId);
  }
  return out;
}

/** A slot whose content in the log is not known (a write failed): never equal to an encoded value. */
const UNKNOWN = Buffer.alloc(0);

/**
 * After records of the group could not be written: their slots are marked
 * unknown (and their members dirty), so that the next change writes the
 * group's current state for them again, tombstones included.
 */
export function markUnwritten(group: ConsumerGroup, records: readonly CoordinatorRecord[]): void {
  for (const r of records) {
    if (r.type === 'offset-commit' || r.type === 'group-metadata' || r.type === 'unknown' || r.key.group !== group.groupId) continue;
    group.persisted.set(slot(r), UNKNOWN);
    if ('memberId' in r.key) {
      group.persistedMembers.add(r.key.memberId);
      if (group.members.has(r.key.memberId)) group.dirtyMembers.add(r.key.memberId);
    }
  }
}

/** Tombstones for every record of the group (Kafka's createGroupTombstoneRecords): members first, the group epoch last. */
export function groupTombstones(group: ConsumerGroup, out: CoordinatorRecord[]): void {
  const g = group.groupId;
  for (const id of new Set([...group.persistedMembers, ...group.members.keys()])) out.push(...memberTombstones(g, id));
  out.push(
    { type: 'consumer-group-target-assignment-metadata', key: { group: g }, value: null },
    { type: 'consumer-group-partition-metadata', key: { group: g }, value: null },
    { type: 'consumer-group-metadata', key: { group: g }, value: null },
  );
}

/**
 * Applies one record read back from the log (or a tombstone written with
 * replay) to the group; the caller finds or creates the group and removes it
 * on a group tombstone. `newMember` makes a member a record names first.
 */
export function replayConsumerGroupRecord(group: ConsumerGroup, r: ConsumerGroupRecord, newMember: (id: string) => ConsumerGroupMember): void {
  const key = slot(r);
  if (r.value === null) group.persisted.delete(key);
  else group.persisted.set(key, encodeConsumerGroupValue(r)!);

  switch (r.type) {
    case 'consumer-group-metadata':
      if (r.value !== null) group.groupEpoch = r.value.epoch;
      return;
    case 'consumer-group-partition-metadata':
      group.subscriptionMetadata = r.value === null ? [] : r.value.topics.map((t) => ({ name: t.topicName, topicId: t.topicId, partitionCount: t.numPartitions }));
      return;
    case 'consumer-group-target-assignment-metadata':
      group.assignmentEpoch = r.value === null ? 0 : r.value.assignmentEpoch;
      return;
    case 'consumer-group-target-assignment-member':
      if (r.value === null) group.targetAssignment.delete(r.key.memberId);
      else group.targetAssignment.set(r.key.memberId, fromTopicPartitions(r.value.topicPartitions));
      return;
    case 'consumer-group-member-metadata': {
      const id = r.key.memberId;
      if (r.value === null) {
        const gone = group.members.get(id);
        if (gone?.instanceId != null && group.staticMembers.get(gone.instanceId) === id) group.staticMembers.delete(gone.instanceId);
        group.members.delete(id);
        group.persistedMembers.delete(id);
        return;
      }
      const m = group.members.get(id) ?? newMember(id);
      const v = r.value;
      m.instanceId = v.instanceId;
      m.rackId = v.rackId;
      m.clientId = v.clientId;
      m.clientHost = v.clientHost;
      m.subscribedTopicNames = [...v.subscribedTopicNames].sort();
      m.subscribedTopicRegex = v.subscribedTopicRegex === '' ? null : v.subscribedTopicRegex;
      m.rebalanceTimeoutMs = v.rebalanceTimeoutMs;
      m.serverAssignor = v.serverAssignor;
      m.classic = v.classicMemberMetadata;
      if (v.instanceId !== null) group.staticMembers.set(v.instanceId, id);
      group.members.set(id, m);
      group.persistedMembers.add(id);
      return;
    }
    case 'consumer-group-current-member-assignment': {
      const id = r.key.memberId;
      if (r.value === null) {
        // The member is on its way out (its metadata tombstone follows): it owns nothing any more.
        const m = group.members.get(id);
        if (m !== undefined) {
          m.memberEpoch = -1;
          m.previousMemberEpoch = -1;
          m.assigned = new Map();
          m.pendingRevocation = new Map();
          m.state = 'stable';
        }
        return;
      }
      const m = group.members.get(id) ?? newMember(id);
      m.memberEpoch = r.value.memberEpoch;
      m.previousMemberEpoch = r.value.previousMemberEpoch;
      m.state = memberStateFromByte(r.value.state);
      m.assigned = fromTopicPartitions(r.value.assignedPartitions);
      m.pendingRevocation = fromTopicPartitions(r.value.partitionsPendingRevocation);
      group.members.set(id, m);
      group.persistedMembers.add(id);
      return;
    }
  }
}
