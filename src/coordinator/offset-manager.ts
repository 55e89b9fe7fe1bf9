// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, the deletion of
// a group's offsets with the group, and offsets.retention.minutes expiry, as
// Kafka 4's OffsetMetadataManager does them. Offsets change only by replaying
// OffsetCommit records (written to __consumer_offsets first), so what is in
// memory is exactly what a restart rebuilds from the log.

import { ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import type { ClassicGroupManager } from './classic-group-manager.js';
import { ClassicGroup, ClassicGroupState } from './classic-group.js';
import { result, type CoordinatorResult } from './coordinator-result.js';
import { CoordinatorError, fail, isOffsetExpired, type Group, type OffsetAndMetadata } from './group.js';
import { offsetCommitRecord, type CoordinatorRecord, type OffsetCommitValue } from './records.js';
import type { Time } from './timer.js';

const log = createLogger('group-coordinator');

export interface OffsetConfig {
  /** offset.metadata.max.bytes (compared with the metadata's length in UTF-16 units, as Java's String.length). */
  metadataMaxSize: number;
  /** offsets.retention.minutes, in milliseconds. */
  retentionMs: number;
}

export interface CommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** -1 unless OffsetCommit v2-4 asked for its own retention. */
  retentionTimeMs: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[];
  }[];
}

export interface PartitionError {
  partitionIndex: number;
  errorCode: ErrorCode;
}

export interface TopicPartitionErrors {
  name: string;
  partitions: PartitionError[];
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: ErrorCode;
}

export interface FetchedGroup {
  groupId: string;
  errorCode: ErrorCode;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

const INVALID_OFFSET = -1;

function absent(partitionIndex: number): FetchedPartition {
  return { partitionIndex, committedOffset: INVALID_OFFSET, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
}

export class OffsetManager {
  /** group -> topic -> partition -> offset. */
  private readonly offsets = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();
  /** Transactional commits awaiting their marker: producer id -> group -> topic -> partition -> value. */
  private readonly pendingTxn = new Map<number, Map<string, Map<string, Map<number, OffsetCommitValue>>>>();

  constructor(
    private readonly groups: Map<string, Group>,
    private readonly classic: ClassicGroupManager,
    private readonly config: OffsetConfig,
    private readonly time: Time,
  ) {}

  /** The committed offset of one partition, if any (for tests and tools). */
  committed(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  // -------------------------------------------------------------------------
  // OffsetCommit

  /**
   * OffsetCommit, or TxnOffsetCommit when `transactional`: the same records,
   * which the caller then writes in the producer's transaction and keeps
   * pending until its marker (see replayTransactional).
   */
  commit(req: CommitRequest, apiVersion: number, transactional = false): CoordinatorResult<TopicPartitionErrors[]> {
    const group = this.validateOffsetCommit(req, apiVersion, transactional);
    // Classic members keep their session alive by committing while Stable or rebalancing.
    if (group instanceof ClassicGroup && (group.isInState(ClassicGroupState.Stable) || group.isInState(ClassicGroupState.PreparingRebalance))) {
      if (group.hasMember(req.memberId)) this.classic.rescheduleHeartbeat(group, group.member(req.memberId));
    }
    const now = this.time.now();
    const expireTimestampMs = req.retentionTimeMs === -1 ? -1 : now + req.retentionTimeMs;
    const records: CoordinatorRecord[] = [];
    const response: TopicPartitionErrors[] = req.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => {
        if (p.committedMetadata !== null && p.committedMetadata.length > this.config.metadataMaxSize) {
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        const value: OffsetCommitValue = {
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch < 0 ? -1 : p.committedLeaderEpoch,
          metadata: p.committedMetadata ?? '',
          commitTimestamp: p.commitTimestamp === -1 ? now : p.commitTimestamp,
          expireTimestamp: expireTimestampMs,
        };
        records.push(offsetCommitRecord({ group: req.groupId, topic: topic.name, partition: p.partitionIndex }, value));
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    return result(response, records, true);
  }

  private validateOffsetCommit(req: CommitRequest, apiVersion: number, transactional: boolean): Group {
    let group = this.groups.get(req.groupId);
    if (group === undefined) {
      if (req.generationIdOrMemberEpoch < 0) {
        // No group and no generation: the admin client or a consumer without group management ("simple" group).
        log.info('creating a simple group via a manual offset commit', { group: req.groupId });
        group = this.classic.getOrMaybeCreateClassicGroup(req.groupId, true);
      } else if (apiVersion >= 9 && !transactional) {
        fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} not found.`);
      } else {
        // Older versions answer an unknown group as a stale generation, as they always did.
        fail(ErrorCode.ILLEGAL_GENERATION);
      }
    }
    group.validateOffsetCommit(req.memberId, req.groupInstanceId, req.generationIdOrMemberEpoch, transactional, apiVersion);
    return group;
  }

  // -------------------------------------------------------------------------
  // OffsetFetch

  /**
   * The committed offsets of the given partitions; -1 for those without one (or for a group
   * that does not exist). With requireStable (KIP-447), a partition with a transactional
   * commit still pending is UNSTABLE_OFFSET_COMMIT: the consumer retries until it is settled.
   */
  fetch(groupId: string, memberId: string | null, memberEpoch: number, topics: readonly { name: string; partitionIndexes: number[] }[], requireStable = false): FetchedGroup {
    const groupOffsets = this.groupExistsForFetch(groupId, memberId, memberEpoch) ? this.offsets.get(groupId) : undefined;
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => {
        const topicOffsets = groupOffsets?.get(t.name);
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((p) => {
            if (requireStable && this.hasPendingTransactionalOffset(groupId, t.name, p)) {
              return { ...absent(p), errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
            }
            const o = topicOffsets?.get(p);
            if (o === undefined) return absent(p);
            return { partitionIndex: p, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
          }),
        };
      }),
    };
  }

  /** Every committed offset of the group. */
  fetchAll(groupId: string, memberId: string | null, memberEpoch: number): FetchedGroup {
    const groupOffsets = this.groupExistsForFetch(groupId, memberId, memberEpoch) ? this.offsets.get(groupId) : undefined;
    const topics: FetchedGroup['topics'] = [];
    for (const [name, partitions] of groupOffsets ?? []) {
      topics.push({
        name,
        partitions: [...partitions].map(([p, o]) => ({
          partitionIndex: p, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE,
        })),
      });
    }
    return { groupId, errorCode: ErrorCode.NONE, topics };
  }

  private groupExistsForFetch(groupId: string, memberId: string | null, memberEpoch: number): boolean {
    const group = this.groups.get(groupId);
    if (group === undefined) return false;
    try {
      group.validateOffsetFetch(memberId, memberEpoch);
      return true;
    } catch (err) {
      if (err instanceof CoordinatorError && err.code === ErrorCode.GROUP_ID_NOT_FOUND) return false;
      throw err;
    }
  }

  // -------------------------------------------------------------------------
  // OffsetDelete

  /**
   * Tombstones the listed offsets. Topics the group still subscribes to are
   * refused (GROUP_SUBSCRIBED_TO_TOPIC); a partition without an offset is answered NONE.
   */
  deleteOffsets(groupId: string, topics: readonly { name: string; partitions: number[] }[]): CoordinatorResult<TopicPartitionErrors[]> {
    const group = this.groups.get(groupId);
    if (group === undefined) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
    group.validateOffsetDelete();
    const groupOffsets = this.offsets.get(groupId);
    const records: CoordinatorRecord[] = [];
    const response = topics.map((t) => {
      const partitions: PartitionError[] = [];
      if (group.isSubscribedToTopic(t.name)) {
        for (const p of t.partitions) partitions.push({ partitionIndex: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC });
      } else {
        const topicOffsets = groupOffsets?.get(t.name);
        const deleted = new Set<number>();
        for (const p of t.partitions) {
          partitions.push({ partitionIndex: p, errorCode: ErrorCode.NONE });
          // Only offsets that exist get a tombstone.
          if (topicOffsets?.has(p) !== true || deleted.has(p)) continue;
          deleted.add(p);
          records.push(offsetCommitRecord({ group: groupId, topic: t.name, partition: p }, null));
        }
      }
      return { name: t.name, partitions };
    });
    return result(response, records, true);
  }

  /** Appends tombstones for every offset of the group (DeleteGroups); returns how many. */
  deleteAllOffsets(groupId: string, records: CoordinatorRecord[]): number {
    let n = 0;
    for (const [topic, partitions] of this.offsets.get(groupId) ?? []) {
      for (const p of partitions.keys()) {
        records.push(offsetCommitRecord({ group: groupId, topic, partition: p }, null));
        n++;
      }
    }
    return n;
  }

  /** Appends tombstones for the offsets of topics that no longer exist (Kafka drops them when a topic is deleted). */
  deleteOffsetsOfTopics(isGone: (topic: string) => boolean, records: CoordinatorRecord[]): void {
    for (const [groupId, topics] of this.offsets) {
      for (const [topic, partitions] of topics) {
        if (!isGone(topic)) continue;
        for (const p of partitions.keys()) records.push(offsetCommitRecord({ group: groupId, topic, partition: p }, null));
      }
    }
  }

  // -------------------------------------------------------------------------
  // Expiry (offsets.retention.minutes)

  /**
   * Appends tombstones for the group's expired offsets. Returns true when the
   * group has no offset left afterwards (so an empty group may go too).
   */
  cleanupExpiredOffsets(groupId: string, records: CoordinatorRecord[]): boolean {
    const byTopic = this.offsets.get(groupId);
    if (byTopic === undefined) return true;
    const group = this.groups.get(groupId);
    if (group === undefined) return false;
    const condition = group.offsetExpirationCondition();
    if (condition === null) return false;
    const now = this.time.now();
    let allExpired = true;
    let expired = 0;
    for (const [topic, partitions] of byTopic) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [p, o] of partitions) {
        if (isOffsetExpired(condition, o, now, this.config.retentionMs)) {
          records.push(offsetCommitRecord({ group: groupId, topic, partition: p }, null));
          expired++;
        } else {
          allExpired = false;
        }
      }
    }
    if (expired > 0) log.info('expired committed offsets', { group: groupId, count: expired });
    return allExpired;
  }

  // -------------------------------------------------------------------------
  // Transactional offsets (KIP-98, KIP-447)

  /** A TxnOffsetCommit record written in a producer's transaction: kept aside until the marker. */
  replayTransactional(producerId: number, group: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    if (value === null) return;
    let byGroup = this.pendingTxn.get(producerId);
    if (byGroup === undefined) this.pendingTxn.set(producerId, (byGroup = new Map()));
    let byTopic = byGroup.get(group);
    if (byTopic === undefined) byGroup.set(group, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
    byPartition.set(partition, value);
  }

  /**
   * A marker settles the producer's pending offsets of the groups in its
   * __consumer_offsets partition: committed ones become the group's offsets, aborted ones go.
   */
  completeTransaction(producerId: number, commit: boolean, inPartition: (group: string) => boolean): void {
    const byGroup = this.pendingTxn.get(producerId);
    if (byGroup === undefined) return;
    for (const [group, byTopic] of byGroup) {
      if (!inPartition(group)) continue;
      byGroup.delete(group);
      if (!commit) continue;
      for (const [topic, byPartition] of byTopic) for (const [partition, value] of byPartition) this.replay(group, topic, partition, value);
    }
    if (byGroup.size === 0) this.pendingTxn.delete(producerId);
  }

  hasPendingTransactionalOffset(group: string, topic: string, partition: number): boolean {
    for (const byGroup of this.pendingTxn.values()) if (byGroup.get(group)?.get(topic)?.has(partition) === true) return true;
    return false;
  }

  // -------------------------------------------------------------------------
  // Replay

  replay(group: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    if (value !== null) {
      // Offsets committed without group membership still make a (simple, empty) group.
      if (!this.groups.has(group)) this.classic.getOrMaybeCreateClassicGroup(group, true);
      let byTopic = this.offsets.get(group);
      if (byTopic === undefined) this.offsets.set(group, (byTopic = new Map()));
      let byPartition = byTopic.get(topic);
      if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
      byPartition.set(partition, {
        committedOffset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata,
        commitTimestampMs: value.commitTimestamp, expireTimestampMs: value.expireTimestamp,
      });
      return;
    }
    const byTopic = this.offsets.get(group);
    const byPartition = byTopic?.get(topic);
    if (byPartition === undefined) return;
    byPartition.delete(partition);
    if (byPartition.size === 0) byTopic!.delete(topic);
    if (byTopic!.size === 0) this.offsets.delete(group);
  }
}
