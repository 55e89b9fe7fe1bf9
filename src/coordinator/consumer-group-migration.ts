// Online migration between classic groups and consumer groups (KIP-848,
// group.consumer.migration.policy): a consumer-protocol member joining a
// classic group with members converts it (upgrade), and the last
// consumer-protocol member leaving turns it back into a classic group
// (downgrade).
//
// The consumer group manager (consumer-group-manager.ts) decides when; what the
// conversions use of it comes through GroupMigrationContext.

import { ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import { addPartition, copyAssignment } from './assignors/assignor.js';
import type { ClassicGroup } from './classic-group.js';
import type { ClassicGroupManager } from './classic-group-manager.js';
import type { CoordinatorResult } from './coordinator-result.js';
import { ConsumerGroup, ConsumerGroupMember } from './consumer-group.js';
import { subscriptionMetadata } from './consumer-group-assignment.js';
import type { ConsumerGroupConfig } from './consumer-group-config.js';
import type { TopicSource } from './consumer-group-topics.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment } from './consumer-protocol.js';
import { fail, type Group } from './group.js';
import type { CoordinatorRecord } from './records.js';

const log = createLogger('group-coordinator');

/** What the conversions need of the consumer group manager: its groups, collaborators, and two of its steps. */
export interface GroupMigrationContext {
  readonly groups: Map<string, Group>;
  readonly classic: ClassicGroupManager;
  readonly config: ConsumerGroupConfig;
  readonly topics: TopicSource;
  cancelTimers(group: ConsumerGroup): void;
  scheduleSession(group: ConsumerGroup, member: ConsumerGroupMember): void;
}

/**
 * Kafka's validateOnlineDowngradeWithFencedMember: the last consumer-protocol member goes, classic members
 * remain, the policy allows a downgrade and they fit group.max.size.
 */
export function validateOnlineDowngrade(ctx: GroupMigrationContext, group: ConsumerGroup, leaving: ConsumerGroupMember): boolean {
  if (leaving.classic !== null || group.members.size <= 1) return false;
  for (const m of group.members.values()) if (m !== leaving && m.classic === null) return false;
  const policy = ctx.config.consumerMigrationPolicy;
  let why: string | null = null;
  if (policy !== 'downgrade' && policy !== 'bidirectional') why = 'the online downgrade is disabled';
  else if (group.members.size - 1 > ctx.classic.maxSize) why = 'its group size is greater than classic group max size';
  if (why !== null) log.info(`cannot downgrade consumer group to classic group because ${why}`, { group: group.groupId });
  return why === null;
}

/** KIP-848 online downgrade (Kafka's convertToClassicGroup): the consumer group's records go, a classic group takes over. */
export function convertToClassicGroup<T>(ctx: GroupMigrationContext, group: ConsumerGroup, leaving: ConsumerGroupMember, response: T): CoordinatorResult<T> {
  const records: CoordinatorRecord[] = [];
  group.createGroupTombstoneRecords(records);
  ctx.cancelTimers(group);
  ctx.groups.delete(group.groupId);
  const members = [...group.members.values()].filter((m) => m !== leaving).map((m) => ({
    memberId: m.memberId, instanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs, sessionTimeoutMs: m.classic!.sessionTimeoutMs,
    protocols: m.classic!.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    // The classic members start from the target assignment (Kafka does the same).
    assignment: encodeAssignment(ctx.topics, m, group.targetOf(m.memberId)),
  }));
  log.info('the last consumer-protocol member left; downgrading the group', { group: group.groupId, member: leaving.memberId });
  const res = ctx.classic.downgrade(group.groupId, group.groupEpoch, members);
  return { records: [...records, ...res.records], response, replay: false, ...(res.onAppended !== undefined ? { onAppended: res.onAppended } : {}) };
}

/** Kafka's validateOnlineUpgrade: the policy allows it, the members use the consumer protocol, and they fit. */
export function validateOnlineUpgrade(ctx: GroupMigrationContext, classic: ClassicGroup): boolean {
  const policy = ctx.config.consumerMigrationPolicy;
  let why: string | null = null;
  if (policy !== 'upgrade' && policy !== 'bidirectional') why = 'the online upgrade is disabled';
  else if (classic.protocolType !== CONSUMER_PROTOCOL_TYPE) why = 'the group does not use the consumer embedded protocol';
  else if (classic.numMembers() > ctx.config.consumerMaxSize) why = 'the group size exceeds the consumer group maximum size';
  if (why !== null) log.info(`cannot upgrade classic group to consumer group because ${why}`, { group: classic.groupId });
  return why === null;
}

/**
 * KIP-848 online upgrade (Kafka's convertToConsumerGroup + ConsumerGroup.fromClassicGroup): a member of the
 * consumer protocol joins a classic group with members. The classic members become classic members of a consumer
 * group at epoch = generation, each owning (and targeting) its last assignment; a rebalance in progress is
 * answered REBALANCE_IN_PROGRESS, and the new group epoch makes them rejoin for the new assignment.
 */
export function convertToConsumerGroup(ctx: GroupMigrationContext, classic: ClassicGroup, records: CoordinatorRecord[]): ConsumerGroup {
  const groupId = classic.groupId;
  const generation = classic.generationId;
  const members: ConsumerGroupMember[] = [];
  for (const cm of classic.allMembers()) {
    const chosen = classic.protocolName === null ? undefined : cm.supportedProtocols.find((p) => p.name === classic.protocolName);
    const subscription = chosen === undefined ? null : decodeSubscription(chosen.metadata);
    const assignment = decodeAssignment(cm.assignment);
    if (subscription === null || assignment === null) {
      log.warn('cannot upgrade classic group to consumer group because the embedded consumer protocol is malformed', { group: groupId, member: cm.memberId });
      fail(ErrorCode.GROUP_ID_NOT_FOUND, `Cannot upgrade the classic group ${groupId} to consumer group because the embedded consumer protocol is malformed.`);
    }
    const m = new ConsumerGroupMember(cm.memberId);
    m.memberEpoch = generation;
    m.previousMemberEpoch = generation;
    m.instanceId = cm.groupInstanceId;
    m.rackId = subscription.rackId;
    m.rebalanceTimeoutMs = cm.rebalanceTimeoutMs;
    m.clientId = cm.clientId;
    m.clientHost = cm.clientHost;
    m.subscribedTopicNames = [...new Set(subscription.topics)].sort();
    for (const tp of assignment.assignedPartitions) {
      const t = ctx.topics.getTopic(tp.topic);
      if (t !== undefined) for (const p of tp.partitions) addPartition(m.assigned, t.topicId, p);
    }
    m.classic = { sessionTimeoutMs: cm.sessionTimeoutMs, supportedProtocols: cm.supportedProtocols.map((p) => ({ name: p.name, metadata: p.metadata })) };
    members.push(m);
  }
  classic.createGroupTombstoneRecords(records);
  ctx.classic.removeGroup(groupId, ErrorCode.REBALANCE_IN_PROGRESS);
  const group = new ConsumerGroup(groupId);
  group.groupEpoch = generation;
  group.assignmentEpoch = generation;
  for (const m of members) {
    group.members.set(m.memberId, m);
    group.targetAssignment.set(m.memberId, copyAssignment(m.assigned));
    if (m.instanceId !== null) group.staticMembers.set(m.instanceId, m.memberId);
  }
  group.subscriptionMetadata = subscriptionMetadata(ctx.topics, group);
  group.allMembersDirty = true;
  ctx.groups.set(groupId, group);
  for (const m of members) ctx.scheduleSession(group, m);
  log.info('upgraded a classic group to a consumer group', { group: groupId, members: members.length, groupEpoch: generation });
  return group;
}
