// Committed offsets of a group: OffsetCommit and OffsetFetch at the group's
// coordinator. A commit from outside any generation (generation -1, no member
// id) is what Kafka accepts for a group with no active members, as a
// standalone consumer's commits are; a member of an active group commits with
// its member id and generation.

import { ErrorCode } from '../protocol/generated/index.js';
import { Apis } from './apis.js';
import type { Cluster } from './cluster.js';
import { KafkaClientError, invalidArgument, responseError } from './errors.js';

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no committed offset for a partition that was asked for. */
  offset: number;
}

const COORDINATOR_ERRORS = new Set<number>([
  ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

function checkGroup(groupId: string, what: string): void {
  if (typeof groupId !== 'string' || groupId === '') throw invalidArgument(ErrorCode.INVALID_GROUP_ID, `${what}: the group id is empty`);
}

/** Who commits: a member of the group in its current generation (a GroupMember is one). */
export interface Committer {
  memberId: string;
  generation: number;
}

export async function commitOffsets(cluster: Cluster, groupId: string, offsets: readonly OffsetToCommit[], member?: Committer): Promise<void> {
  const what = `OffsetCommit for group ${groupId}`;
  checkGroup(groupId, what);
  if (offsets.length === 0) return;
  const byTopic = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) {
    if (typeof o.topic !== 'string' || o.topic === '' || !Number.isInteger(o.partition) || o.partition < 0 || !Number.isSafeInteger(o.offset) || o.offset < 0) {
      throw invalidArgument(ErrorCode.INVALID_REQUEST, `${what}: invalid offset ${JSON.stringify(o)}`);
    }
    let list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, (list = []));
    list.push(o);
  }
  await cluster.retrying(what, async () => {
    const conn = await cluster.coordinatorFor(groupId);
    const res = await conn.request(Apis.OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: member?.generation ?? -1,
      memberId: member?.memberId ?? '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? null })),
      })),
    });
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === ErrorCode.NONE) continue;
        if (COORDINATOR_ERRORS.has(p.errorCode)) cluster.forgetCoordinator(groupId);
        // Kafka 4 refuses commits for topics that do not exist; only a topic just created is worth waiting for.
        if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !cluster.recentlyCreated(t.name)) {
          throw new KafkaClientError(p.errorCode, `${what}: topic partition ${t.name}-${p.partitionIndex} does not exist`, false);
        }
        throw responseError(p.errorCode, `${what} (${t.name}-${p.partitionIndex})`);
      }
    }
  }, () => cluster.forgetCoordinator(groupId));
}

/** The group's committed offsets: of the given partitions, or of every partition it has any for. */
export async function fetchOffsets(cluster: Cluster, groupId: string, topics?: readonly { topic: string; partitions: number[] }[]): Promise<CommittedOffset[]> {
  const what = `OffsetFetch for group ${groupId}`;
  checkGroup(groupId, what);
  const requested = topics === undefined ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions }));
  return cluster.retrying(what, async () => {
    const conn = await cluster.coordinatorFor(groupId);
    // v8+ asks for several groups at once (KIP-709).
    const version = conn.versionFor(Apis.OffsetFetch);
    const res = await conn.request(Apis.OffsetFetch, version >= 8
      ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: requested }], requireStable: false }
      : { groupId, topics: requested, requireStable: false });
    const group = version >= 8 ? res.groups.find((g) => g.groupId === groupId) : { errorCode: res.errorCode, topics: res.topics };
    if (group === undefined) throw responseError(ErrorCode.UNKNOWN_SERVER_ERROR, `${what}: the response does not mention the group`);
    if (group.errorCode !== ErrorCode.NONE) {
      if (COORDINATOR_ERRORS.has(group.errorCode)) cluster.forgetCoordinator(groupId);
      throw responseError(group.errorCode, what);
    }
    const out: CommittedOffset[] = [];
    for (const t of group.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) throw responseError(p.errorCode, `${what} (${t.name}-${p.partitionIndex})`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset });
      }
    }
    return out;
  }, () => cluster.forgetCoordinator(groupId));
}
