// Classic-protocol members of a consumer group (KIP-848 mixed groups, Kafka's
// classicGroupJoin/Sync/Heartbeat/LeaveToConsumerGroup): a consumer still on
// group.protocol=classic joins a consumer group that has members. Its
// subscription comes from its JoinGroup, its generation is its member epoch,
// SyncGroup hands it its assignment, and heartbeats answer
// REBALANCE_IN_PROGRESS whenever it must rejoin to move on.
//
// The consumer group manager (consumer-group-manager.ts) answers these requests
// with the functions here; what they need of it comes through
// ClassicMembersContext.

import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import { addPartition, type Assignment } from './assignors/assignor.js';
import { joinResult, syncResult, type Deferred, type JoinGroupResult, type SyncGroupResult } from './classic-group.js';
import type { JoinRequest, LeaveMember, LeaveMemberResult, SyncRequest } from './classic-group-manager.js';
import { result, type CoordinatorResult, type RequestInfo, type ScheduleOp } from './coordinator-result.js';
import { ConsumerGroupMember, type ConsumerGroup } from './consumer-group.js';
import { reconcile, updateTargetAssignment, type AssignmentContext } from './consumer-group-assignment.js';
import type { ConsumerGroupConfig } from './consumer-group-config.js';
import { CONSUMER_PROTOCOL_TYPE, decodeSubscription, encodeAssignment } from './consumer-protocol.js';
import { CoordinatorError, fail } from './group.js';
import type { Timer } from './timer.js';

const log = createLogger('group-coordinator');

/**
 * What the classic members need of the consumer group manager: its collaborators, and the steps they share
 * with consumer-protocol members (static membership, assignment, sessions, fencing, and writing the group's
 * changed records).
 */
export interface ClassicMembersContext extends AssignmentContext {
  readonly config: ConsumerGroupConfig;
  readonly timer: Timer;
  readonly schedule: ScheduleOp;
  staticMember(group: ConsumerGroup, instanceId: string): ConsumerGroupMember | undefined;
  throwIfInstanceIdIsFenced(holder: ConsumerGroupMember, memberId: string, instanceId: string): void;
  replaceStaticMember(group: ConsumerGroup, old: ConsumerGroupMember, memberId: string): ConsumerGroupMember;
  removeMember(group: ConsumerGroup, member: ConsumerGroupMember, why: string, bumpEpoch?: boolean): void;
  scheduleSession(group: ConsumerGroup, member: ConsumerGroupMember): void;
  fence(groupId: string, memberId: string, why: string): CoordinatorResult<void>;
  withChanges<T>(res: CoordinatorResult<T>, group: ConsumerGroup): CoordinatorResult<T>;
}

/** Classic members of a consumer group: SyncGroup due after JoinGroup, and JoinGroup due after REBALANCE_IN_PROGRESS. */
export const syncKey = (g: string, m: string) => `consumer-classic-sync-${g}-${m}`;
export const joinKey = (g: string, m: string) => `consumer-classic-join-${g}-${m}`;

/** Kafka's ConsumerGroup.supportsClassicProtocols: protocol type "consumer" and a protocol every classic member supports. */
function supportsClassicProtocols(group: ConsumerGroup, protocolType: string, names: readonly string[]): boolean {
  if (protocolType !== CONSUMER_PROTOCOL_TYPE || names.length === 0) return false;
  const classic = [...group.members.values()].filter((m) => m.classic !== null);
  if (classic.length === 0) return true;
  return names.some((n) => classic.every((m) => m.classic!.supportedProtocols.some((p) => p.name === n)));
}

/** JoinGroup to a consumer group with members. */
export function classicGroupJoinToConsumerGroup(
  ctx: ClassicMembersContext, info: RequestInfo, req: JoinRequest, group: ConsumerGroup, future: Deferred<JoinGroupResult>,
): CoordinatorResult<void> {
  const refuse = (errorCode: ErrorCode, memberId = req.memberId): CoordinatorResult<void> => {
    future.complete(joinResult({ memberId, errorCode }));
    return result(undefined, [], false);
  };
  try {
    const isUnknown = req.memberId === '';
    const memberId = isUnknown ? randomBytes(16).toString('base64url') : req.memberId;
    if (group.members.size >= ctx.config.consumerMaxSize && !group.members.has(memberId)) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${ctx.config.consumerMaxSize} members.`);
    }
    if (!supportsClassicProtocols(group, req.protocolType, req.protocols.map((p) => p.name))) {
      fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s protocols are not supported.`);
    }
    // JoinGroup v4+ (KIP-394): a dynamic member first learns its id.
    if (isUnknown && req.groupInstanceId === null && info.apiVersion >= 4) return refuse(ErrorCode.MEMBER_ID_REQUIRED, memberId);
    const subscription = decodeSubscription(req.protocols[0]!.metadata);
    if (subscription === null) fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s subscription cannot be read.`);

    let member: ConsumerGroupMember;
    if (req.groupInstanceId === null) {
      member = group.members.get(memberId) ?? addMember(group, memberId);
    } else {
      const holder = ctx.staticMember(group, req.groupInstanceId);
      if (isUnknown) {
        // A classic static member takes its instance id over whatever the holder's epoch (Kafka does the same).
        member = holder === undefined ? addMember(group, memberId) : ctx.replaceStaticMember(group, holder, memberId);
      } else {
        if (holder === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.groupInstanceId} is unknown.`);
        ctx.throwIfInstanceIdIsFenced(holder, memberId, req.groupInstanceId);
        member = holder;
      }
      member.instanceId = req.groupInstanceId;
      group.staticMembers.set(req.groupInstanceId, member.memberId);
    }

    const topics = [...new Set(subscription.topics)].sort();
    const changed = topics.join('\n') !== member.subscribedTopicNames.join('\n') || member.subscribedTopicRegex !== null;
    member.subscribedTopicNames = topics;
    member.subscribedTopicRegex = null;
    if (subscription.rackId !== null) member.rackId = subscription.rackId;
    if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = info.clientId;
    member.clientHost = info.clientHost;
    member.classic = { sessionTimeoutMs: req.sessionTimeoutMs, supportedProtocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) };
    group.dirtyMembers.add(member.memberId);
    if (changed && group.groupEpoch === group.assignmentEpoch) group.groupEpoch++;
    updateTargetAssignment(ctx, group);

    // What the member owns is what its subscription says (the ownedPartitions of cooperative consumers).
    const owned: Assignment = new Map();
    for (const tp of subscription.ownedPartitions) {
      const t = ctx.topics.getTopic(tp.topic);
      if (t !== undefined) for (const p of tp.partitions) addPartition(owned, t.topicId, p);
    }
    reconcile(ctx, group, member, owned);
    ctx.timer.cancel(joinKey(group.groupId, member.memberId));

    const joined = member;
    const response = joinResult({
      memberId: joined.memberId, generationId: joined.memberEpoch, protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: req.protocols[0]!.name, leader: '',
    });
    log.info('classic member joined the consumer group', { group: group.groupId, member: joined.memberId, memberEpoch: joined.memberEpoch });
    return ctx.withChanges(result(undefined, [], false, (error) => {
      if (error !== null) {
        future.complete(joinResult({ memberId: req.memberId, errorCode: error }));
        return;
      }
      ctx.scheduleSession(group, joined);
      ctx.schedule(syncKey(group.groupId, joined.memberId), joined.rebalanceTimeoutMs > 0 ? joined.rebalanceTimeoutMs : req.sessionTimeoutMs,
        () => ctx.fence(group.groupId, joined.memberId, 'did not send SyncGroup within the rebalance timeout'));
      future.complete(response);
    }), group);
  } catch (err) {
    if (err instanceof CoordinatorError) return refuse(err.code);
    throw err;
  }
}

/** SyncGroup of a classic member: its assignment, once it caught up with the group epoch. */
export function classicGroupSyncToConsumerGroup(ctx: ClassicMembersContext, req: SyncRequest, group: ConsumerGroup): SyncGroupResult {
  const member = classicMember(ctx, group, req.memberId, req.groupInstanceId);
  if (req.generationId !== member.memberEpoch) {
    fail(ErrorCode.ILLEGAL_GENERATION, `The request generation id ${req.generationId} is not equal to the member epoch ${member.memberEpoch} of member ${member.memberId}.`);
  }
  const protocolName = member.classic!.supportedProtocols[0]?.name ?? null;
  if ((req.protocolType !== null && req.protocolType !== CONSUMER_PROTOCOL_TYPE) || (req.protocolName !== null && req.protocolName !== protocolName)) {
    fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `The protocol type or name of member ${member.memberId} does not match.`);
  }
  // A member behind the group epoch rejoins first, unless it is in the middle of revoking partitions.
  if (group.groupEpoch > member.memberEpoch && member.state !== 'unrevoked') {
    scheduleJoinTimeout(ctx, group, member);
    fail(ErrorCode.REBALANCE_IN_PROGRESS, `A new rebalance is triggered in group ${group.groupId} and member ${member.memberId} should rejoin to catch up.`);
  }
  ctx.timer.cancel(syncKey(group.groupId, member.memberId));
  ctx.scheduleSession(group, member);
  return syncResult({ protocolType: req.protocolType, protocolName: req.protocolName, assignment: encodeAssignment(ctx.topics, member) });
}

/** Heartbeat of a classic member: REBALANCE_IN_PROGRESS when it must rejoin to move on. */
export function classicGroupHeartbeatToConsumerGroup(
  ctx: ClassicMembersContext, req: { memberId: string; groupInstanceId: string | null; generationId: number }, group: ConsumerGroup,
): ErrorCode {
  const member = classicMember(ctx, group, req.memberId, req.groupInstanceId);
  if (req.generationId !== member.memberEpoch) {
    fail(ErrorCode.ILLEGAL_GENERATION, `The request generation id ${req.generationId} is not equal to the member epoch ${member.memberEpoch} of member ${member.memberId}.`);
  }
  ctx.scheduleSession(group, member);
  // Rejoin when the group epoch moved on, when partitions must be revoked, or when the partitions it waits for are free.
  const waiting = member.state === 'unreleased' && isWaitingOnUnreleased(group, member);
  if (member.memberEpoch < group.groupEpoch || member.state === 'unrevoked' || (member.state === 'unreleased' && !waiting)) {
    scheduleJoinTimeout(ctx, group, member);
    return ErrorCode.REBALANCE_IN_PROGRESS;
  }
  return ErrorCode.NONE;
}

/** LeaveGroup (batched) to a consumer group: classic members, or any member by instance id (admin removal). */
export function classicGroupLeaveToConsumerGroup(
  ctx: ClassicMembersContext, members: readonly LeaveMember[], group: ConsumerGroup,
): CoordinatorResult<{ errorCode: ErrorCode; members: LeaveMemberResult[] }> {
  const out: LeaveMemberResult[] = [];
  let removed = 0;
  for (const m of members) {
    try {
      let member: ConsumerGroupMember | undefined;
      if (m.groupInstanceId === null) {
        member = group.members.get(m.memberId);
        if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${m.memberId} is not a member of group ${group.groupId}.`);
        if (member.classic === null) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
      } else {
        member = ctx.staticMember(group, m.groupInstanceId);
        if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${m.groupInstanceId} is unknown.`);
        // An admin removes a member by instance id alone (no member id).
        if (m.memberId !== '') {
          ctx.throwIfInstanceIdIsFenced(member, m.memberId, m.groupInstanceId);
          if (member.classic === null) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
        }
      }
      ctx.removeMember(group, member, 'left the group (LeaveGroup)', false);
      removed++;
      out.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE });
    } catch (err) {
      if (!(err instanceof CoordinatorError)) throw err;
      out.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: err.code });
    }
  }
  if (removed > 0) group.groupEpoch++;
  return ctx.withChanges(result({ errorCode: ErrorCode.NONE, members: out }, [], false), group);
}

function addMember(group: ConsumerGroup, memberId: string): ConsumerGroupMember {
  const member = new ConsumerGroupMember(memberId);
  group.members.set(memberId, member);
  group.groupEpoch++;
  log.info('member joined consumer group', { group: group.groupId, member: memberId, groupEpoch: group.groupEpoch });
  return member;
}

/** Kafka's validateConsumerGroupMember + throwIfMemberDoesNotUseClassicProtocol. */
function classicMember(ctx: ClassicMembersContext, group: ConsumerGroup, memberId: string, instanceId: string | null): ConsumerGroupMember {
  let member: ConsumerGroupMember | undefined;
  if (instanceId === null) {
    member = group.members.get(memberId);
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
  } else {
    member = ctx.staticMember(group, instanceId);
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member with instance id ${instanceId} is not a member of group ${group.groupId}.`);
    ctx.throwIfInstanceIdIsFenced(member, memberId, instanceId);
  }
  if (member.classic === null) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${member.memberId} does not use the classic protocol.`);
  return member;
}

/** Whether some partition of the member's target is still owned by another member. */
function isWaitingOnUnreleased(group: ConsumerGroup, member: ConsumerGroupMember): boolean {
  const others = group.ownedByOthers(member.memberId);
  for (const [t, s] of group.targetOf(member.memberId)) {
    for (const p of s) if (!member.assigned.get(t)?.has(p) && others.has(`${t}:${p}`)) return true;
  }
  return false;
}

function scheduleJoinTimeout(ctx: ClassicMembersContext, group: ConsumerGroup, member: ConsumerGroupMember): void {
  const key = joinKey(group.groupId, member.memberId);
  if (ctx.timer.isScheduled(key)) return;
  ctx.schedule(key, member.rebalanceTimeoutMs > 0 ? member.rebalanceTimeoutMs : member.classic?.sessionTimeoutMs ?? ctx.config.consumerSessionTimeoutMs,
    () => ctx.fence(group.groupId, member.memberId, 'did not rejoin within the rebalance timeout'));
}
