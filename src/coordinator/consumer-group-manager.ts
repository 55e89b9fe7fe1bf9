// ConsumerGroupHeartbeat and ConsumerGroupDescribe (KIP-848), as Kafka 4's
// GroupMetadataManager answers them: joining (epoch 0), heartbeating with the
// member epoch, leaving (-1, static -2), group/assignment/member epochs,
// server-side assignors, revocation before assignment
// (consumer-group-assignment.ts), and session and rebalance timeouts that
// fence members.
//
// Every change is written to __consumer_offsets in Kafka's record formats
// (consumer-group-records.ts) before the member hears of it, and replayed on
// load: after a restart the group keeps its epochs and assignments, members
// carry on heartbeating with their epoch, and the loaded members' sessions
// restart (those that do not come back are fenced by their session timeout).
//
// Classic consumers and consumer groups (KIP-848 migration,
// group.consumer.migration.policy): classic members join a consumer group
// with JoinGroup/SyncGroup/Heartbeat/LeaveGroup (consumer-group-classic-members.ts),
// a consumer-protocol member joining a classic group with members converts it
// (upgrade), and the last consumer-protocol member leaving turns it back into
// a classic group (downgrade) (both in consumer-group-migration.ts).

import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import { RangeAssignor } from './assignors/range.js';
import { UniformAssignor } from './assignors/uniform.js';
import { assignmentsEqual, copyAssignment, type Assignment, type PartitionAssignor } from './assignors/assignor.js';
import { ClassicGroup, type Deferred, type JoinGroupResult, type SyncGroupResult } from './classic-group.js';
import type { ClassicGroupManager, JoinRequest, LeaveMember, LeaveMemberResult, SyncRequest } from './classic-group-manager.js';
import { result, type CoordinatorResult, type RequestInfo, type ScheduleOp } from './coordinator-result.js';
import { ConsumerGroup, ConsumerGroupMember, compileSubscriptionRegex } from './consumer-group.js';
import { reconcile, updateTargetAssignment, type AssignmentContext } from './consumer-group-assignment.js';
import {
  classicGroupHeartbeatToConsumerGroup, classicGroupJoinToConsumerGroup, classicGroupLeaveToConsumerGroup, classicGroupSyncToConsumerGroup, joinKey, syncKey,
  type ClassicMembersContext,
} from './consumer-group-classic-members.js';
import type { ConsumerGroupConfig } from './consumer-group-config.js';
import { convertToClassicGroup, convertToConsumerGroup, validateOnlineDowngrade, validateOnlineUpgrade, type GroupMigrationContext } from './consumer-group-migration.js';
import { changedRecords, markUnwritten, replayConsumerGroupRecord } from './consumer-group-records.js';
import { fromWire, toWire, type TopicPartitions, type TopicSource } from './consumer-group-topics.js';
import { fail, type Group } from './group.js';
import type { ConsumerGroupRecord, CoordinatorRecord } from './records.js';
import type { Timer } from './timer.js';

export { DEFAULT_CONSUMER_GROUP_CONFIG, type ConsumerGroupConfig, type ConsumerGroupMigrationPolicy } from './consumer-group-config.js';
export type { TopicMetadata, TopicPartitions, TopicSource } from './consumer-group-topics.js';

const log = createLogger('group-coordinator');

export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export interface HeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: TopicPartitions[] | null;
}

export interface HeartbeatResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: TopicPartitions[] } | null;
}

export interface DescribedConsumerGroup {
  errorCode: ErrorCode;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: {
    memberId: string; instanceId: string | null; rackId: string | null; memberEpoch: number; clientId: string; clientHost: string;
    subscribedTopicNames: string[]; subscribedTopicRegex: string | null;
    assignment: { topicPartitions: { topicId: string; topicName: string; partitions: number[] }[] };
    targetAssignment: { topicPartitions: { topicId: string; topicName: string; partitions: number[] }[] };
  }[];
}

const sessionKey = (g: string, m: string) => `consumer-session-${g}-${m}`;
const rebalanceKey = (g: string, m: string) => `consumer-rebalance-${g}-${m}`;

function cancelMemberTimers(timer: Timer, g: string, m: string): void {
  for (const key of [sessionKey(g, m), rebalanceKey(g, m), syncKey(g, m), joinKey(g, m)]) timer.cancel(key);
}

function isSubset(a: Assignment, b: Assignment): boolean {
  for (const [t, s] of a) {
    const o = b.get(t);
    for (const p of s) if (o === undefined || !o.has(p)) return false;
  }
  return true;
}

export class ConsumerGroupManager {
  private readonly assignors = new Map<string, PartitionAssignor>();
  /** The manager's collaborators and private steps, as the assignment, classic members and migration modules use them. */
  private readonly ops: AssignmentContext & ClassicMembersContext & GroupMigrationContext;

  constructor(
    private readonly groups: Map<string, Group>,
    private readonly classic: ClassicGroupManager,
    private readonly config: ConsumerGroupConfig,
    private readonly timer: Timer,
    private readonly schedule: ScheduleOp,
    private readonly topics: TopicSource,
  ) {
    for (const a of [new UniformAssignor(), new RangeAssignor()]) {
      if (config.consumerAssignors.includes(a.name)) this.assignors.set(a.name, a);
    }
    if (this.assignors.size === 0) this.assignors.set('uniform', new UniformAssignor());
    this.ops = {
      groups, classic, config, timer, schedule, topics,
      cancelTimers: (group) => this.cancelTimers(group),
      staticMember: (group, instanceId) => this.staticMember(group, instanceId),
      throwIfInstanceIdIsFenced: (holder, memberId, instanceId) => this.throwIfInstanceIdIsFenced(holder, memberId, instanceId),
      replaceStaticMember: (group, old, memberId) => this.replaceStaticMember(group, old, memberId),
      removeMember: (group, member, why, bumpEpoch) => this.removeMember(group, member, why, bumpEpoch),
      assignorFor: (group) => this.assignorFor(group),
      scheduleRebalanceTimeout: (group, member) => this.scheduleRebalanceTimeout(group, member),
      cancelRebalanceTimeout: (group, member) => this.timer.cancel(rebalanceKey(group.groupId, member.memberId)),
      scheduleSession: (group, member) => this.scheduleSession(group, member),
      fence: (groupId, memberId, why) => this.fence(groupId, memberId, why),
      withChanges: (res, group) => this.withChanges(res, group),
    };
  }

  private get defaultAssignor(): string {
    return this.config.consumerAssignors.find((n) => this.assignors.has(n)) ?? 'uniform';
  }

  // -------------------------------------------------------------------------
  // ConsumerGroupHeartbeat

  /** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid. */
  private validate(req: HeartbeatRequest, apiVersion: number): void {
    const invalid = (msg: string): never => fail(ErrorCode.INVALID_REQUEST, msg);
    if (apiVersion >= 1 && req.memberId === '') invalid('MemberId can\'t be empty.');
    if (req.groupId === '') invalid('GroupId can\'t be empty.');
    if (req.instanceId === '') invalid('InstanceId can\'t be empty.');
    if (req.rackId === '') invalid('RackId can\'t be empty.');
    if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (req.memberId === '') invalid('MemberId can\'t be empty.');
    } else if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) invalid('RebalanceTimeoutMs must be provided in first request.');
      if (req.topicPartitions === null || req.topicPartitions.length > 0) invalid('TopicPartitions must be empty when (re-)joining.');
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
        invalid('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
      }
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (req.instanceId === null) invalid('InstanceId can\'t be null.');
    } else {
      invalid('MemberEpoch is invalid.');
    }
    if (req.serverAssignor !== null && !this.assignors.has(req.serverAssignor)) {
      fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${[...this.assignors.keys()].join(', ')}.`);
    }
    if (req.subscribedTopicRegex !== null) {
      try {
        compileSubscriptionRegex(req.subscribedTopicRegex);
      } catch {
        fail(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${req.subscribedTopicRegex}\` is not a valid regular expression.`);
      }
    }
  }

  heartbeat(info: RequestInfo, req: HeartbeatRequest): CoordinatorResult<HeartbeatResult> {
    this.validate(req, info.apiVersion);
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(req);

    const records: CoordinatorRecord[] = [];
    const group = this.getOrMaybeCreateGroup(req.groupId, req.memberEpoch === 0, records);
    // Kafka's throwIfConsumerGroupIsFull: only members already in the group get in once it is full.
    if (group.members.size >= this.config.consumerMaxSize && (req.memberId === '' || !group.members.has(req.memberId))) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.config.consumerMaxSize} members.`);
    }
    let member = group.members.get(req.memberId);
    const owned = req.topicPartitions === null ? null : fromWire(req.topicPartitions);

    if (req.memberEpoch === 0) {
      // v0: the coordinator names the member; v1 (KIP-1082): the client does.
      const memberId = req.memberId !== '' ? req.memberId : randomBytes(16).toString('base64url');
      const holder = req.instanceId === null ? undefined : this.staticMember(group, req.instanceId);
      if (holder !== undefined) {
        // KIP-848 static membership: the instance id can be taken over only once its member left with epoch -2.
        if (holder.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
          fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${holder.memberId} member.`);
        }
        member = this.replaceStaticMember(group, holder, memberId);
      } else if (member === undefined) {
        member = new ConsumerGroupMember(memberId);
        group.members.set(member.memberId, member);
        group.groupEpoch++;
        log.info('member joined consumer group', { group: group.groupId, member: member.memberId, groupEpoch: group.groupEpoch });
      } else {
        // A rejoin: the member owns nothing any more.
        member.assigned = new Map();
        member.pendingRevocation = new Map();
        member.memberEpoch = 0;
        member.state = 'stable';
      }
    } else if (req.instanceId !== null) {
      const holder = this.staticMember(group, req.instanceId);
      if (holder === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
      this.throwIfInstanceIdIsFenced(holder, req.memberId, req.instanceId);
      member = holder;
      this.throwIfMemberEpochIsInvalid(member, req.memberEpoch, owned);
    } else {
      if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${group.groupId}.`);
      this.throwIfMemberEpochIsInvalid(member, req.memberEpoch, owned);
    }

    // Subscription and client details.
    let changed = false;
    if (req.subscribedTopicNames !== null) {
      const names = [...new Set(req.subscribedTopicNames)].sort();
      if (names.join('\n') !== member.subscribedTopicNames.join('\n') || member.subscribedTopicNames.length !== names.length) changed = true;
      member.subscribedTopicNames = names;
    }
    if (req.subscribedTopicRegex !== null) {
      const regex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
      if (regex !== member.subscribedTopicRegex) changed = true;
      member.subscribedTopicRegex = regex;
    }
    if (req.serverAssignor !== null && req.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = req.serverAssignor;
      changed = true;
    }
    if (req.rackId !== null) member.rackId = req.rackId;
    if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.instanceId !== null) {
      member.instanceId = req.instanceId;
      group.staticMembers.set(req.instanceId, member.memberId);
    }
    member.clientId = info.clientId;
    member.clientHost = info.clientHost;
    member.classic = null;
    group.dirtyMembers.add(member.memberId);
    if (changed && group.groupEpoch === group.assignmentEpoch) group.groupEpoch++;
    updateTargetAssignment(this.ops, group);

    const before = { epoch: member.memberEpoch, assigned: copyAssignment(member.assigned) };
    reconcile(this.ops, group, member, owned);
    this.scheduleSession(group, member);

    const assignmentChanged = before.epoch !== member.memberEpoch || !assignmentsEqual(before.assigned, member.assigned);
    const fullRequest = req.memberEpoch === 0 || (owned !== null && !assignmentsEqual(owned, member.assigned));
    return this.withChanges(result<HeartbeatResult>({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.config.consumerHeartbeatIntervalMs,
      assignment: assignmentChanged || fullRequest ? { topicPartitions: toWire(member.assigned) } : null,
    }, records, false), group);
  }

  /** Kafka's throwIfMemberEpochIsInvalid: a lost response lets the previous epoch through when nothing extra is owned. */
  private throwIfMemberEpochIsInvalid(member: ConsumerGroupMember, received: number, owned: Assignment | null): void {
    if (received > member.memberEpoch) {
      fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
    if (received < member.memberEpoch) {
      if (received === member.previousMemberEpoch && owned !== null && isSubset(owned, member.assigned)) return;
      fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
  }

  private leave(req: HeartbeatRequest): CoordinatorResult<HeartbeatResult> {
    const group = this.groups.get(req.groupId);
    if (!(group instanceof ConsumerGroup)) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} not found.`);
    const response = result<HeartbeatResult>({
      errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null,
    }, [], false);
    let member: ConsumerGroupMember | undefined;
    if (req.instanceId === null) {
      member = group.members.get(req.memberId);
      if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`);
    } else {
      member = this.staticMember(group, req.instanceId);
      if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
      this.throwIfInstanceIdIsFenced(member, req.memberId, req.instanceId);
      if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        // KIP-848 static membership: the member leaves for now but keeps its partitions (nobody else gets them)
        // until its session times out, so that the instance coming back under the same instance id takes them over.
        member.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
        member.pendingRevocation = new Map();
        group.dirtyMembers.add(member.memberId);
        log.info('static member left the consumer group temporarily', { group: group.groupId, member: member.memberId, instanceId: req.instanceId });
        return this.withChanges(response, group);
      }
    }
    if (validateOnlineDowngrade(this.ops, group, member)) return convertToClassicGroup(this.ops, group, member, response.response);
    this.removeMember(group, member, 'left the group');
    return this.withChanges(response, group);
  }

  /**
   * Appends the group's changed records to the result's own; should they not
   * be written, the next change of the group writes them again.
   */
  private withChanges<T>(res: CoordinatorResult<T>, group: ConsumerGroup): CoordinatorResult<T> {
    const changed = changedRecords(group);
    if (changed.length === 0) return res;
    res.records = [...res.records, ...changed];
    const then = res.onAppended;
    res.onAppended = (error) => {
      if (error !== null) markUnwritten(group, changed);
      then?.(error);
    };
    return res;
  }

  /** The member holding an instance id. */
  private staticMember(group: ConsumerGroup, instanceId: string): ConsumerGroupMember | undefined {
    const id = group.staticMembers.get(instanceId);
    return id === undefined ? undefined : group.members.get(id);
  }

  private throwIfInstanceIdIsFenced(holder: ConsumerGroupMember, memberId: string, instanceId: string): void {
    if (holder.memberId !== memberId) {
      fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${holder.memberId}.`);
    }
  }

  /**
   * A static member comes back under a new member id (Kafka's replaceMember): the new member takes over the
   * old one's subscription, target assignment and partitions at epoch 0, without a new group epoch.
   */
  private replaceStaticMember(group: ConsumerGroup, old: ConsumerGroupMember, memberId: string): ConsumerGroupMember {
    const m = new ConsumerGroupMember(memberId);
    m.instanceId = old.instanceId;
    m.rackId = old.rackId;
    m.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
    m.clientId = old.clientId;
    m.clientHost = old.clientHost;
    m.subscribedTopicNames = old.subscribedTopicNames;
    m.subscribedTopicRegex = old.subscribedTopicRegex;
    m.serverAssignor = old.serverAssignor;
    m.classic = old.classic;
    m.assigned = copyAssignment(old.assigned);
    m.memberEpoch = 0;
    m.previousMemberEpoch = 0;
    const target = group.targetAssignment.get(old.memberId);
    group.members.delete(old.memberId);
    group.targetAssignment.delete(old.memberId);
    cancelMemberTimers(this.timer, group.groupId, old.memberId);
    group.members.set(memberId, m);
    if (target !== undefined) group.targetAssignment.set(memberId, target);
    group.staticMembers.set(m.instanceId!, memberId);
    log.info('static member re-joined the consumer group', { group: group.groupId, instanceId: m.instanceId, member: memberId, replaced: old.memberId });
    return m;
  }

  private removeMember(group: ConsumerGroup, member: ConsumerGroupMember, why: string, bumpEpoch = true): void {
    group.members.delete(member.memberId);
    group.targetAssignment.delete(member.memberId);
    if (member.instanceId !== null && group.staticMembers.get(member.instanceId) === member.memberId) group.staticMembers.delete(member.instanceId);
    cancelMemberTimers(this.timer, group.groupId, member.memberId);
    // The new target assignment is computed at the next heartbeat of a remaining member (as Kafka does).
    if (bumpEpoch) group.groupEpoch++;
    log.info(`member ${why}`, { group: group.groupId, member: member.memberId, groupEpoch: group.groupEpoch });
  }

  private getOrMaybeCreateGroup(groupId: string, create: boolean, records: CoordinatorRecord[]): ConsumerGroup {
    const existing = this.groups.get(groupId);
    if (existing instanceof ConsumerGroup) return existing;
    if (existing === undefined) {
      // Deliberate difference: Kafka answers GROUP_ID_NOT_FOUND, which the Java consumer treats as fatal. Consumer
      // groups are persisted now, but groups of brokers older than that (and deleted or expired groups) are not
      // found after a restart: their members are told to rejoin instead.
      if (!create) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Consumer group ${groupId} not found.`);
    } else if (!(existing instanceof ClassicGroup)) {
      fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    } else if (existing.isEmpty()) {
      // The same for a group known only by its offsets (a simple group): its members rejoin with epoch 0,
      // which turns it into a consumer group.
      if (!create) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${groupId} not found.`);
      // Online upgrade of an empty classic group: its offsets stay, its classic record goes.
      existing.createGroupTombstoneRecords(records);
      this.classic.removeGroup(groupId);
      log.info('converted an empty classic group to a consumer group', { group: groupId });
    } else if (create && validateOnlineUpgrade(this.ops, existing)) {
      return convertToConsumerGroup(this.ops, existing, records);
    } else {
      fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    }
    const group = new ConsumerGroup(groupId);
    this.groups.set(groupId, group);
    return group;
  }

  // -------------------------------------------------------------------------
  // Assignment: which assignor a group uses (the target assignment and the reconciliation are in
  // consumer-group-assignment.ts).

  private assignorFor(group: ConsumerGroup): PartitionAssignor {
    // The assignor most members ask for; the configured default otherwise.
    const votes = new Map<string, number>();
    for (const m of group.members.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = this.defaultAssignor;
    let bestVotes = 0;
    for (const [name, n] of [...votes].sort(([a], [b]) => (a < b ? -1 : 1))) if (n > bestVotes) [best, bestVotes] = [name, n];
    return this.assignors.get(best) ?? this.assignors.get(this.defaultAssignor)!;
  }

  private scheduleRebalanceTimeout(group: ConsumerGroup, member: ConsumerGroupMember): void {
    const timeoutMs = member.rebalanceTimeoutMs > 0 ? member.rebalanceTimeoutMs : this.config.consumerSessionTimeoutMs;
    this.schedule(rebalanceKey(group.groupId, member.memberId), timeoutMs,
      () => this.fence(group.groupId, member.memberId, 'did not revoke its partitions within the rebalance timeout'));
  }

  private scheduleSession(group: ConsumerGroup, member: ConsumerGroupMember): void {
    // A classic member keeps the session timeout of its JoinGroup.
    const timeoutMs = member.classic?.sessionTimeoutMs ?? this.config.consumerSessionTimeoutMs;
    this.schedule(sessionKey(group.groupId, member.memberId), timeoutMs, () => this.fence(group.groupId, member.memberId, 'session timed out'));
  }

  private fence(groupId: string, memberId: string, why: string): CoordinatorResult<void> {
    const group = this.groups.get(groupId);
    if (group instanceof ConsumerGroup) {
      const member = group.members.get(memberId);
      if (member !== undefined) {
        if (validateOnlineDowngrade(this.ops, group, member)) return convertToClassicGroup(this.ops, group, member, undefined);
        this.removeMember(group, member, `fenced: ${why}`);
        return this.withChanges(result(undefined, [], false), group);
      }
    }
    return result(undefined, [], false);
  }

  // -------------------------------------------------------------------------
  // ConsumerGroupDescribe

  describe(groupId: string): DescribedConsumerGroup {
    const empty = { groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, groupId, ...empty };
    if (!(group instanceof ConsumerGroup)) {
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a consumer group.`, groupId, ...empty };
    }
    const named = (a: Assignment) => ({
      topicPartitions: toWire(a).map((t) => ({ ...t, topicName: this.topics.getTopicById(t.topicId)?.name ?? '' })),
    });
    return {
      errorCode: ErrorCode.NONE, errorMessage: null, groupId, groupState: group.state(), groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch, assignorName: this.assignorFor(group).name,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, memberEpoch: m.memberEpoch, clientId: m.clientId, clientHost: m.clientHost,
        // Kafka describes "no regex" as an empty string.
        subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex ?? '',
        assignment: named(m.assigned), targetAssignment: named(group.targetOf(m.memberId)),
      })),
    };
  }

  // -------------------------------------------------------------------------
  // Classic-protocol members of a consumer group (KIP-848 mixed groups): see consumer-group-classic-members.ts.

  /** JoinGroup to a consumer group with members. */
  classicJoin(info: RequestInfo, req: JoinRequest, group: ConsumerGroup, future: Deferred<JoinGroupResult>): CoordinatorResult<void> {
    return classicGroupJoinToConsumerGroup(this.ops, info, req, group, future);
  }

  /** SyncGroup of a classic member: its assignment, once it caught up with the group epoch. */
  classicSync(req: SyncRequest, group: ConsumerGroup): SyncGroupResult {
    return classicGroupSyncToConsumerGroup(this.ops, req, group);
  }

  /** Heartbeat of a classic member: REBALANCE_IN_PROGRESS when it must rejoin to move on. */
  classicHeartbeat(req: { memberId: string; groupInstanceId: string | null; generationId: number }, group: ConsumerGroup): ErrorCode {
    return classicGroupHeartbeatToConsumerGroup(this.ops, req, group);
  }

  /** LeaveGroup (batched) to a consumer group: classic members, or any member by instance id (admin removal). */
  classicLeave(members: readonly LeaveMember[], group: ConsumerGroup): CoordinatorResult<{ errorCode: ErrorCode; members: LeaveMemberResult[] }> {
    return classicGroupLeaveToConsumerGroup(this.ops, members, group);
  }

  // -------------------------------------------------------------------------
  // Loading from __consumer_offsets

  /** Applies a consumer group record read back from the log (or a tombstone written with replay). */
  replay(record: ConsumerGroupRecord): void {
    const groupId = record.key.group;
    const existing = this.groups.get(groupId);
    if (record.type === 'consumer-group-metadata' && record.value === null) {
      // The group is deleted: its members' tombstones came first.
      if (existing instanceof ConsumerGroup) {
        this.cancelTimers(existing);
        this.groups.delete(groupId);
      }
      return;
    }
    let group: ConsumerGroup;
    if (existing instanceof ConsumerGroup) {
      group = existing;
    } else {
      if (record.value === null) return;
      if (existing instanceof ClassicGroup) {
        // A simple classic group (made by offsets replayed first) is not backed by records of its own: the
        // consumer group replaces it, as in Kafka's getOrMaybeCreatePersistedConsumerGroup.
        if (!existing.isEmpty() || existing.protocolType !== null) throw new Error(`group ${groupId} is a classic group, not a consumer group`);
        this.classic.removeGroup(groupId);
      }
      group = new ConsumerGroup(groupId);
      this.groups.set(groupId, group);
    }
    replayConsumerGroupRecord(group, record, (id) => new ConsumerGroupMember(id));
  }

  /** After loading: the loaded members' session timeouts start, and revoking members get their rebalance timeout. */
  onLoaded(): void {
    for (const g of this.groups.values()) {
      if (!(g instanceof ConsumerGroup)) continue;
      for (const m of g.members.values()) {
        this.scheduleSession(g, m);
        if (m.state === 'unrevoked') this.scheduleRebalanceTimeout(g, m);
      }
      if (g.members.size > 0) log.info('loaded consumer group', { group: g.groupId, groupEpoch: g.groupEpoch, members: g.members.size, state: g.state() });
    }
  }

  private cancelTimers(group: ConsumerGroup): void {
    for (const id of group.members.keys()) cancelMemberTimers(this.timer, group.groupId, id);
  }

  /**
   * Kafka's maybeDeleteEmptyConsumerGroup: a classic JoinGroup turns an empty consumer group into a classic
   * group (whatever the migration policy); the consumer group goes, its offsets stay. Returns its tombstones.
   */
  deleteIfEmpty(groupId: string): CoordinatorRecord[] {
    const group = this.groups.get(groupId);
    if (!(group instanceof ConsumerGroup) || !group.isEmpty()) return [];
    const records: CoordinatorRecord[] = [];
    group.createGroupTombstoneRecords(records);
    this.cancelTimers(group);
    this.groups.delete(groupId);
    log.info('converted an empty consumer group to a classic group', { group: groupId });
    return records;
  }

  /** Drops every timer of the consumer groups (the coordinator stops). */
  cancelAll(): void {
    for (const g of this.groups.values()) if (g instanceof ConsumerGroup) this.cancelTimers(g);
  }
}
