// The classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) as
// Apache Kafka 4's group coordinator runs it: joins park until every member
// has rejoined (or the rebalance timeout passes), the first join of an empty
// group waits group.initial.rebalance.delay.ms for more members, version 4+
// joins first get a member id with MEMBER_ID_REQUIRED (KIP-394), static
// members keep their place across restarts (KIP-345), the leader's SyncGroup
// is persisted to __consumer_offsets before anyone gets an assignment, and
// missed heartbeats, joins and syncs expire members on timers.

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import {
  ClassicGroup, ClassicGroupMember, ClassicGroupState, Deferred, EMPTY_ASSIGNMENT, UNKNOWN_MEMBER_ID,
  joinResult, syncResult, distinctProtocols,
  type DescribedMember, type JoinGroupResult, type Protocol, type SyncGroupResult,
} from './classic-group.js';
import { EMPTY_RESULT, result, type CoordinatorResult, type RequestInfo, type ScheduleOp } from './coordinator-result.js';
import { CoordinatorError, fail, type Group } from './group.js';
import { groupMetadataRecord, type GroupMetadataValue } from './records.js';
import type { Time, Timer } from './timer.js';

const log = createLogger('group-coordinator');

export interface ClassicGroupConfig {
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** How long a new member's JoinGroup may stay parked (Kafka: 5 minutes, not configurable). */
  newMemberJoinTimeoutMs: number;
  /** group.max.size */
  maxSize: number;
}

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  reason: string | null;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

/** A classic member of a consumer group, as the classic group of a downgrade takes it. */
export interface DowngradedMember {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: Protocol[];
  assignment: Buffer;
}

export interface LeaveMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveMemberResult {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: ErrorCode;
}

export interface DescribedGroup {
  errorCode: ErrorCode;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export function heartbeatKey(groupId: string, memberId: string): string {
  return `heartbeat-${groupId}-${memberId}`;
}

function joinKey(groupId: string): string {
  return `join-${groupId}`;
}

function syncKey(groupId: string): string {
  return `sync-${groupId}`;
}

function joinReason(reason: string | null): string {
  return reason !== null && reason !== '' ? reason : 'not provided';
}

/** The value that records an empty new group (written when a JoinGroup creates it). */
function emptyGroupValue(group: ClassicGroup): GroupMetadataValue {
  return { protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: group.currentStateTimestampOrDefault(), members: [] };
}

/** The group as persisted: every member with its subscription for the chosen protocol and its assignment. */
function groupValue(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): GroupMetadataValue {
  return {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.leaderOrNull(),
    currentStateTimestamp: group.currentStateTimestampOrDefault(),
    members: group.allMembers().map((m) => {
      if (group.protocolName === null) throw new Error(`group ${group.groupId} has members but no protocol`);
      const a = assignment.get(m.memberId);
      if (a === undefined) throw new Error(`member ${m.memberId} of group ${group.groupId} has no assignment`);
      return {
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName), assignment: a,
      };
    }),
  };
}

export class ClassicGroupManager {
  constructor(
    private readonly groups: Map<string, Group>,
    private readonly config: ClassicGroupConfig,
    private readonly time: Time,
    private readonly timer: Timer,
    private readonly schedule: ScheduleOp,
  ) {}

  // -------------------------------------------------------------------------
  // Lookup

  /** The classic group, created empty when asked to; GROUP_ID_NOT_FOUND otherwise (or for another group type). */
  getOrMaybeCreateClassicGroup(groupId: string, createIfNotExists: boolean): ClassicGroup {
    const group = this.groups.get(groupId);
    if (group === undefined) {
      if (!createIfNotExists) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Classic group ${groupId} not found.`);
      const created = new ClassicGroup(groupId, ClassicGroupState.Empty, this.time.now());
      this.groups.set(groupId, created);
      return created;
    }
    if (group instanceof ClassicGroup) return group;
    return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a classic group.`);
  }

  private classicGroupOrNull(groupId: string): ClassicGroup | null {
    const g = this.groups.get(groupId);
    return g instanceof ClassicGroup ? g : null;
  }

  // -------------------------------------------------------------------------
  // JoinGroup

  join(ctx: RequestInfo, req: JoinRequest, future: Deferred<JoinGroupResult>): CoordinatorResult<void> {
    req = { ...req, protocols: distinctProtocols(req.protocols) };
    const isUnknownMember = req.memberId === UNKNOWN_MEMBER_ID;
    const isNewGroup = !this.groups.has(req.groupId);
    let group: ClassicGroup;
    try {
      // Only a member without an id may create the group.
      group = this.getOrMaybeCreateClassicGroup(req.groupId, isUnknownMember);
    } catch (err) {
      if (!(err instanceof CoordinatorError)) throw err;
      future.complete(joinResult({ memberId: req.memberId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
      return EMPTY_RESULT;
    }

    let res: CoordinatorResult<void> = EMPTY_RESULT;
    if (!this.acceptJoiningMember(group, req.memberId)) {
      group.remove(req.memberId);
      future.complete(joinResult({ memberId: UNKNOWN_MEMBER_ID, errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED }));
    } else if (isUnknownMember) {
      res = this.joinNewMember(ctx, req, group, future);
    } else {
      res = this.joinExistingMember(ctx, req, group, future);
    }

    if (isNewGroup && res === EMPTY_RESULT) {
      // Nothing else to write: record the new group so that it exists after a restart.
      return result(undefined, [groupMetadataRecord(group.groupId, emptyGroupValue(group))], false, (error) => {
        if (error !== null) future.complete(joinResult({ errorCode: error }));
      });
    }
    return res;
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case ClassicGroupState.Empty:
      case ClassicGroupState.Dead:
        return true;
      case ClassicGroupState.PreparingRebalance:
        // Counting awaiting members keeps the last rejoiners out when group.max.size shrank.
        return (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin)
          || group.numMembersAwaitingJoinResponse < this.config.maxSize;
      case ClassicGroupState.CompletingRebalance:
      case ClassicGroupState.Stable:
        return group.hasMember(memberId) || group.numMembers() < this.config.maxSize;
    }
  }

  private joinNewMember(ctx: RequestInfo, req: JoinRequest, group: ClassicGroup, future: Deferred<JoinGroupResult>): CoordinatorResult<void> {
    if (group.isInState(ClassicGroupState.Dead)) {
      future.complete(joinResult({ memberId: UNKNOWN_MEMBER_ID, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
    } else if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      future.complete(joinResult({ memberId: UNKNOWN_MEMBER_ID, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
    } else {
      const newMemberId = `${req.groupInstanceId ?? ctx.clientId}-${randomUUID()}`;
      if (req.groupInstanceId !== null) return this.joinNewStaticMember(ctx, req, group, newMemberId, future);
      return this.joinNewDynamicMember(ctx, req, group, newMemberId, future);
    }
    return EMPTY_RESULT;
  }

  private joinNewDynamicMember(ctx: RequestInfo, req: JoinRequest, group: ClassicGroup, newMemberId: string, future: Deferred<JoinGroupResult>): CoordinatorResult<void> {
    if (ctx.apiVersion >= 4) {
      // KIP-394: hand out the id first; the member joins for real with it. Unused ids expire with the session timeout.
      log.info('new dynamic member must rejoin with its member id', { group: group.groupId, memberId: newMemberId, state: group.state });
      group.addPendingMember(newMemberId);
      this.schedule(heartbeatKey(group.groupId, newMemberId), req.sessionTimeoutMs, () => this.expireHeartbeat(group.groupId, newMemberId));
      future.complete(joinResult({ memberId: newMemberId, errorCode: ErrorCode.MEMBER_ID_REQUIRED }));
      return EMPTY_RESULT;
    }
    return this.addMemberThenRebalanceOrCompleteJoin(ctx, req, group, newMemberId, future);
  }

  private joinNewStaticMember(ctx: RequestInfo, req: JoinRequest, group: ClassicGroup, newMemberId: string, future: Deferred<JoinGroupResult>): CoordinatorResult<void> {
    const existing = group.staticMemberId(req.groupInstanceId!);
    if (existing !== undefined) {
      log.info('static member rejoined with an unknown member id; replacing the previous member id', {
        group: group.groupId, groupInstanceId: req.groupInstanceId, previous: existing, memberId: newMemberId,
      });
      return this.updateStaticMemberThenRebalanceOrCompleteJoin(ctx, req, group, existing, newMemberId, future);
    }
    return this.addMemberThenRebalanceOrCompleteJoin(ctx, req, group, newMemberId, future);
  }

  private joinExistingMember(ctx: RequestInfo, req: JoinRequest, group: ClassicGroup, future: Deferred<JoinGroupResult>): CoordinatorResult<void> {
    const memberId = req.memberId;
    if (group.isInState(ClassicGroupState.Dead)) {
      future.complete(joinResult({ memberId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
      return EMPTY_RESULT;
    }
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      future.complete(joinResult({ memberId, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
      return EMPTY_RESULT;
    }
    if (group.isPendingMember(memberId)) {
      // Pending ids are only handed to dynamic members; Kafka fails such a request as an internal error.
      if (req.groupInstanceId !== null) {
        future.complete(joinResult({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR }));
        return EMPTY_RESULT;
      }
      return this.addMemberThenRebalanceOrCompleteJoin(ctx, req, group, memberId, future);
    }
    try {
      group.validateMember(memberId, req.groupInstanceId, 'join-group');
    } catch (err) {
      if (!(err instanceof CoordinatorError)) throw err;
      future.complete(joinResult({ memberId, errorCode: err.code }));
      return EMPTY_RESULT;
    }

    const member = group.member(memberId);
    const reason = joinReason(req.reason);
    switch (group.state) {
      case ClassicGroupState.PreparingRebalance:
        return this.updateMemberThenRebalanceOrCompleteJoin(req, group, member, `member ${memberId} joining during rebalance; client reason: ${reason}`, future);
      case ClassicGroupState.CompletingRebalance:
        if (member.matches(req.protocols)) {
          // Same metadata: it probably missed its JoinGroup answer. Give it again.
          future.complete(joinResult({
            members: group.isLeader(memberId) ? group.currentMembersForJoin() : [],
            memberId, generationId: group.generationId, protocolName: group.protocolName, protocolType: group.protocolType,
            leader: group.leaderOrNull() ?? '',
          }));
          return EMPTY_RESULT;
        }
        return this.updateMemberThenRebalanceOrCompleteJoin(req, group, member, `updating metadata for member ${memberId}; client reason: ${reason}`, future);
      case ClassicGroupState.Stable:
        if (group.isLeader(memberId)) {
          // The leader rejoining forces a rebalance: how it reacts to metadata changes members cannot see.
          return this.updateMemberThenRebalanceOrCompleteJoin(req, group, member, `leader ${memberId} re-joining; client reason: ${reason}`, future);
        }
        if (!member.matches(req.protocols)) {
          return this.updateMemberThenRebalanceOrCompleteJoin(req, group, member, `updating metadata for member ${memberId}; client reason: ${reason}`, future);
        }
        // A follower with unchanged metadata: the current generation, so it can SyncGroup.
        future.complete(joinResult({
          memberId, generationId: group.generationId, protocolName: group.protocolName, protocolType: group.protocolType,
          leader: group.leaderOrNull() ?? '',
        }));
        return EMPTY_RESULT;
      default:
        log.warn('rejoining member of a group in an unexpected state', { group: group.groupId, memberId, state: group.state });
        future.complete(joinResult({ memberId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
        return EMPTY_RESULT;
    }
  }

  private updateStaticMemberThenRebalanceOrCompleteJoin(
    ctx: RequestInfo, req: JoinRequest, group: ClassicGroup, oldMemberId: string, newMemberId: string, future: Deferred<JoinGroupResult>,
  ): CoordinatorResult<void> {
    const currentLeader = group.leaderOrNull();
    const newMember = group.replaceStaticMember(req.groupInstanceId!, oldMemberId, newMemberId);
    // The old id's session timer finds no member and does nothing; the new id gets its own.
    this.timer.cancel(heartbeatKey(group.groupId, oldMemberId));
    this.rescheduleHeartbeat(group, newMember);
    const oldRebalanceTimeoutMs = newMember.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = newMember.sessionTimeoutMs;
    const oldProtocols = newMember.supportedProtocols;
    group.updateMember(newMember, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, future);

    if (group.isInState(ClassicGroupState.Stable)) {
      const groupInstanceId = req.groupInstanceId!;
      if ((group.protocolName ?? '') === group.selectProtocol()) {
        // The chosen protocol stays: persist the new member id and let the member carry on without a rebalance.
        const assignment = group.groupAssignment();
        return result(undefined, [groupMetadataRecord(group.groupId, groupValue(group, assignment))], false, (error) => {
          if (error !== null) {
            log.warn('could not persist a rejoined static member; reverting to its old member id', { group: group.groupId, groupInstanceId, error: ErrorCode[error] });
            group.updateMember(newMember, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
            const old = group.replaceStaticMember(groupInstanceId, newMemberId, oldMemberId);
            this.rescheduleHeartbeat(group, old);
            future.complete(joinResult({
              memberId: UNKNOWN_MEMBER_ID, generationId: group.generationId, protocolName: group.protocolName,
              protocolType: group.protocolType, leader: currentLeader ?? '', errorCode: error,
            }));
          } else if (ctx.apiVersion >= 9) {
            // KIP-814: a static leader that keeps the assignment is told to skip computing a new one.
            const isLeader = group.isLeader(newMemberId);
            group.completeJoinFuture(newMember, joinResult({
              members: isLeader ? group.currentMembersForJoin() : [], memberId: newMemberId, generationId: group.generationId,
              protocolName: group.protocolName, protocolType: group.protocolType, leader: group.leaderOrNull() ?? '', skipAssignment: isLeader,
            }));
          } else {
            group.completeJoinFuture(newMember, joinResult({
              memberId: newMemberId, generationId: group.generationId, protocolName: group.protocolName,
              protocolType: group.protocolType, leader: currentLeader ?? '',
            }));
          }
        });
      }
      return this.maybePrepareRebalanceOrCompleteJoin(group, `static member ${newMemberId} (${groupInstanceId}) rejoined with a protocol change; client reason: ${joinReason(req.reason)}`);
    }
    if (group.isInState(ClassicGroupState.CompletingRebalance)) {
      // The leader may already be assigning to the old member id: start over so the new id gets partitions.
      return this.prepareRebalance(group, `updating metadata for static member ${newMemberId} (${req.groupInstanceId}); client reason: ${joinReason(req.reason)}`);
    }
    if (group.isInState(ClassicGroupState.Empty) || group.isInState(ClassicGroupState.Dead)) {
      throw new Error(`group ${group.groupId} should not be ${group.state} when known static member ${req.groupInstanceId} rejoins`);
    }
    return this.maybeCompleteJoinPhase(group);
  }

  private addMemberThenRebalanceOrCompleteJoin(
    ctx: RequestInfo, req: JoinRequest, group: ClassicGroup, memberId: string, future: Deferred<JoinGroupResult>,
  ): CoordinatorResult<void> {
    const member = new ClassicGroupMember(
      memberId, req.groupInstanceId, ctx.clientId, ctx.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, req.protocols,
    );
    member.isNew = true;
    // A member joining during the initial delay extends it (up to the rebalance timeout).
    if (group.isInState(ClassicGroupState.PreparingRebalance) && group.previousState === ClassicGroupState.Empty) group.newMemberAdded = true;
    group.add(member, future);
    // New members cannot heartbeat while their JoinGroup is parked; a client that gave up would
    // otherwise stay in the rebalance forever, so their join times out on its own clock.
    this.rescheduleHeartbeat(group, member, this.config.newMemberJoinTimeoutMs);
    return this.maybePrepareRebalanceOrCompleteJoin(group, `adding new member ${memberId} with group instance id ${req.groupInstanceId}; client reason: ${joinReason(req.reason)}`);
  }

  private updateMemberThenRebalanceOrCompleteJoin(
    req: JoinRequest, group: ClassicGroup, member: ClassicGroupMember, reason: string, future: Deferred<JoinGroupResult>,
  ): CoordinatorResult<void> {
    group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs, future);
    return this.maybePrepareRebalanceOrCompleteJoin(group, reason);
  }

  // -------------------------------------------------------------------------
  // Rebalance phases

  maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, reason: string): CoordinatorResult<void> {
    return group.canRebalance() ? this.prepareRebalance(group, reason) : this.maybeCompleteJoinPhase(group);
  }

  /** Completes the join phase once everyone rejoined, except during the initial delay. */
  maybeCompleteJoinPhase(group: ClassicGroup): CoordinatorResult<void> {
    if (!group.isInState(ClassicGroupState.PreparingRebalance)) return EMPTY_RESULT;
    if (group.previousState === ClassicGroupState.Empty) return EMPTY_RESULT;
    if (!group.hasAllMembersJoined()) return EMPTY_RESULT;
    return this.completeJoin(group);
  }

  prepareRebalance(group: ClassicGroup, reason: string): CoordinatorResult<void> {
    // Members waiting for an assignment must rejoin instead.
    if (group.isInState(ClassicGroupState.CompletingRebalance)) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.timer.cancel(syncKey(group.groupId));

    const isInitialRebalance = group.isInState(ClassicGroupState.Empty);
    if (isInitialRebalance) {
      // A new group waits group.initial.rebalance.delay.ms for more members before its first generation.
      const delayMs = this.config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.schedule(joinKey(group.groupId), delayMs, () => this.tryCompleteInitialRebalanceElseSchedule(group.groupId, delayMs, remainingMs));
    }
    group.transitionTo(ClassicGroupState.PreparingRebalance, this.time.now());
    log.info('preparing to rebalance group', { group: group.groupId, previousState: group.previousState, generation: group.generationId, reason });
    return isInitialRebalance ? EMPTY_RESULT : this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): CoordinatorResult<void> {
    if (group.hasAllMembersJoined()) return this.completeJoin(group);
    this.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => this.completeJoinById(group.groupId));
    return EMPTY_RESULT;
  }

  private tryCompleteInitialRebalanceElseSchedule(groupId: string, delayMs: number, remainingMs: number): CoordinatorResult<void> {
    const group = this.classicGroupOrNull(groupId);
    if (group === null) return EMPTY_RESULT;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.schedule(joinKey(groupId), newDelayMs, () => this.tryCompleteInitialRebalanceElseSchedule(groupId, newDelayMs, newRemainingMs));
      return EMPTY_RESULT;
    }
    return this.completeJoin(group);
  }

  private completeJoinById(groupId: string): CoordinatorResult<void> {
    const group = this.classicGroupOrNull(groupId);
    return group === null ? EMPTY_RESULT : this.completeJoin(group);
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are dropped, the
   * generation moves on and every parked JoinGroup gets its answer (the leader
   * with the members' metadata); an emptied group is persisted as such.
   */
  completeJoin(group: ClassicGroup): CoordinatorResult<void> {
    this.timer.cancel(joinKey(group.groupId));
    const notRejoined = group.notYetRejoinedMembers().filter((m) => !m.isStaticMember);
    for (const m of notRejoined) {
      group.remove(m.memberId);
      this.timer.cancel(heartbeatKey(group.groupId, m.memberId));
    }
    if (notRejoined.length > 0) {
      log.info('removed dynamic members that did not rejoin', { group: group.groupId, members: notRejoined.map((m) => m.memberId) });
    }

    if (group.isInState(ClassicGroupState.Dead)) return EMPTY_RESULT;
    if (!group.maybeElectNewJoinedLeader() && group.numMembers() > 0) {
      // Nobody rejoined (only static members remain): wait until their sessions expire them.
      log.error('group could not complete its rebalance because no member rejoined', { group: group.groupId });
      this.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => this.completeJoinById(group.groupId));
      return EMPTY_RESULT;
    }

    group.initNextGeneration(this.time.now());
    if (group.isInState(ClassicGroupState.Empty)) {
      log.info('group is now empty', { group: group.groupId, generation: group.generationId });
      return result(undefined, [groupMetadataRecord(group.groupId, groupValue(group, new Map()))], false, (error) => {
        // Nothing depends on it: at worst a restart brings back the previous generation, whose members then time out.
        if (error !== null) log.warn('failed to write the empty group metadata', { group: group.groupId, error: ErrorCode[error] });
      });
    }

    log.info('stabilized group', { group: group.groupId, generation: group.generationId, members: group.numMembers(), protocol: group.protocolName });
    for (const member of group.allMembers()) {
      group.completeJoinFuture(member, joinResult({
        members: group.isLeader(member.memberId) ? group.currentMembersForJoin() : [],
        memberId: member.memberId, generationId: group.generationId, protocolName: group.protocolName,
        protocolType: group.protocolType, leader: group.leaderOrNull() ?? '',
      }));
      this.rescheduleHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    const generation = group.generationId;
    this.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(group.groupId, generation));
    return EMPTY_RESULT;
  }

  private expirePendingSync(groupId: string, generationId: number): CoordinatorResult<void> {
    const group = this.classicGroupOrNull(groupId);
    if (group === null || generationId !== group.generationId) return EMPTY_RESULT;
    if (!group.isInState(ClassicGroupState.CompletingRebalance) && !group.isInState(ClassicGroupState.Stable)) return EMPTY_RESULT;
    if (group.hasReceivedSyncFromAllMembers()) return EMPTY_RESULT;
    const missing = [...group.pendingSyncMembers];
    for (const memberId of missing) {
      group.remove(memberId);
      this.timer.cancel(heartbeatKey(groupId, memberId));
    }
    log.info('removed members that did not send SyncGroup in time', { group: groupId, members: missing });
    return this.prepareRebalance(group, `removing ${missing.join(', ')} on pending sync request expiration`);
  }

  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const groupId = group.groupId;
    const memberId = member.memberId;
    this.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.expireHeartbeat(groupId, memberId));
  }

  private expireHeartbeat(groupId: string, memberId: string): CoordinatorResult<void> {
    const group = this.classicGroupOrNull(groupId);
    if (group === null || group.isInState(ClassicGroupState.Dead)) return EMPTY_RESULT;
    if (group.isPendingMember(memberId)) {
      log.info('pending member removed after its session timeout', { group: groupId, memberId });
      group.remove(memberId);
      return group.isInState(ClassicGroupState.PreparingRebalance) && group.hasAllMembersJoined() ? this.completeJoin(group) : EMPTY_RESULT;
    }
    if (!group.hasMember(memberId)) return EMPTY_RESULT;
    const member = group.member(memberId);
    if (member.hasSatisfiedHeartbeat()) return EMPTY_RESULT;
    log.info('member failed to heartbeat; removing it from the group', { group: groupId, memberId });
    return this.removeMemberAndUpdateGroup(group, member, `removing member ${memberId} on heartbeat expiration`);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, reason: string): CoordinatorResult<void> {
    // A new member may time out with its JoinGroup parked: answer it so the client retries.
    group.completeJoinFuture(member, joinResult({ memberId: UNKNOWN_MEMBER_ID, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
    group.remove(member.memberId);
    if (group.isInState(ClassicGroupState.Stable) || group.isInState(ClassicGroupState.CompletingRebalance)) {
      return this.maybePrepareRebalanceOrCompleteJoin(group, reason);
    }
    if (group.isInState(ClassicGroupState.PreparingRebalance) && group.hasAllMembersJoined()) return this.completeJoin(group);
    return EMPTY_RESULT;
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, error: ErrorCode): void {
    if (!group.isInState(ClassicGroupState.CompletingRebalance)) {
      throw new Error(`group ${group.groupId} must be CompletingRebalance to reset assignments, it is ${group.state}`);
    }
    for (const m of group.allMembers()) m.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: ClassicGroup, error: ErrorCode): void {
    const ok = error === ErrorCode.NONE;
    for (const member of group.allMembers()) {
      if (ok && member.assignment.length === 0) {
        log.debug('sending an empty assignment', { group: group.groupId, memberId: member.memberId, generation: group.generationId });
      }
      const answered = group.completeSyncFuture(member, syncResult({
        protocolName: ok ? group.protocolName : null, protocolType: ok ? group.protocolType : null,
        assignment: member.assignment, errorCode: error,
      }));
      // Sessions restart once the assignment is out: expirations during the wait were ignored.
      if (answered) this.rescheduleHeartbeat(group, member);
    }
  }

  // -------------------------------------------------------------------------
  // SyncGroup

  sync(req: SyncRequest, future: Deferred<SyncGroupResult>): CoordinatorResult<void> {
    const group = this.groups.get(req.groupId);
    if (group === undefined || group.isEmpty() || !(group instanceof ClassicGroup)) {
      future.complete(syncResult({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
      return EMPTY_RESULT;
    }
    const error = this.validateSync(group, req);
    if (error !== null) {
      future.complete(syncResult({ errorCode: error }));
      return EMPTY_RESULT;
    }
    switch (group.state) {
      case ClassicGroupState.PreparingRebalance:
        future.complete(syncResult({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS }));
        return EMPTY_RESULT;
      case ClassicGroupState.CompletingRebalance: {
        const member = group.member(req.memberId);
        if (member.awaitingSync !== null && member.awaitingSync !== future) {
          member.awaitingSync.complete(syncResult({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS }));
        }
        member.awaitingSync = future;
        group.pendingSyncMembers.delete(req.memberId);
        if (!group.isLeader(req.memberId)) return EMPTY_RESULT;

        // The leader's assignment: every member gets its part (an empty one if the leader left it out).
        log.info('assignment received from the leader', { group: group.groupId, leader: req.memberId, generation: group.generationId, members: group.numMembers() });
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) assignment.set(a.memberId, a.assignment);
        const missing: string[] = [];
        for (const m of group.allMembers()) {
          if (!assignment.has(m.memberId)) {
            missing.push(m.memberId);
            assignment.set(m.memberId, EMPTY_ASSIGNMENT);
          }
        }
        if (missing.length > 0) log.warn('the leader sent no assignment for some members; they get an empty one', { group: group.groupId, members: missing });
        const generation = req.generationId;
        return result(undefined, [groupMetadataRecord(group.groupId, groupValue(group, assignment))], false, (appendError) => {
          // Someone may have joined while the write was in flight: only the same generation may stabilize.
          if (!group.isInState(ClassicGroupState.CompletingRebalance) || generation !== group.generationId) return;
          if (appendError !== null) {
            this.resetAndPropagateAssignmentWithError(group, appendError);
            this.maybePrepareRebalanceOrCompleteJoin(group, `error ${ErrorCode[appendError]} when storing the group assignment`);
          } else {
            for (const m of group.allMembers()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT;
            this.propagateAssignment(group, ErrorCode.NONE);
            group.transitionTo(ClassicGroupState.Stable, this.time.now());
          }
        });
      }
      case ClassicGroupState.Stable: {
        group.pendingSyncMembers.delete(req.memberId);
        const member = group.member(req.memberId);
        future.complete(syncResult({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment }));
        return EMPTY_RESULT;
      }
      default:
        throw new Error(`unexpected SyncGroup for group ${group.groupId} in state ${group.state}`);
    }
  }

  private validateSync(group: ClassicGroup, req: SyncRequest): ErrorCode | null {
    if (group.isInState(ClassicGroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      group.validateMember(req.memberId, req.groupInstanceId, 'sync-group');
    } catch (err) {
      if (err instanceof CoordinatorError) return err.code;
      throw err;
    }
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const inconsistent = (requested: string | null, actual: string | null) => requested !== null && actual !== null && requested !== actual;
    if (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return null;
  }

  // -------------------------------------------------------------------------
  // Heartbeat

  heartbeat(req: { groupId: string; memberId: string; groupInstanceId: string | null; generationId: number }): CoordinatorResult<ErrorCode> {
    const group = this.groups.get(req.groupId);
    if (!(group instanceof ClassicGroup)) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} not found.`);
    if (group.isInState(ClassicGroupState.Dead)) fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    group.validateMember(req.memberId, req.groupInstanceId, 'heartbeat');
    if (req.generationId !== group.generationId) fail(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case ClassicGroupState.Empty:
        return result(ErrorCode.UNKNOWN_MEMBER_ID);
      case ClassicGroupState.PreparingRebalance:
        // Tell the member to rejoin; its session is kept alive meanwhile.
        this.rescheduleHeartbeat(group, group.member(req.memberId));
        return result(ErrorCode.REBALANCE_IN_PROGRESS);
      default:
        // CompletingRebalance too: a member may heartbeat between its JoinGroup and SyncGroup answers.
        this.rescheduleHeartbeat(group, group.member(req.memberId));
        return result(ErrorCode.NONE);
    }
  }

  // -------------------------------------------------------------------------
  // LeaveGroup

  leave(groupId: string, members: readonly LeaveMember[]): CoordinatorResult<{ errorCode: ErrorCode; members: LeaveMemberResult[] }> {
    const group = this.groups.get(groupId);
    if (!(group instanceof ClassicGroup)) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${groupId} not found.`);
    if (group.isInState(ClassicGroupState.Dead)) return result({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] });

    const responses: LeaveMemberResult[] = [];
    for (const m of members) {
      const reason = joinReason(m.reason);
      const ok = { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE };
      if (m.memberId === UNKNOWN_MEMBER_ID) {
        // Administrative removal by group.instance.id (KIP-345), with no member id.
        if (m.groupInstanceId !== null && group.hasStaticMember(m.groupInstanceId)) {
          this.removeCurrentMember(group, group.staticMemberId(m.groupInstanceId)!, reason);
          responses.push(ok);
        } else {
          responses.push({ ...ok, errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
        }
      } else if (group.isPendingMember(m.memberId)) {
        group.remove(m.memberId);
        this.timer.cancel(heartbeatKey(groupId, m.memberId));
        log.info('pending member left the group', { group: groupId, memberId: m.memberId, reason });
        responses.push(ok);
      } else {
        try {
          group.validateMember(m.memberId, m.groupInstanceId, 'leave-group');
          this.removeCurrentMember(group, m.memberId, reason);
          responses.push(ok);
        } catch (err) {
          if (!(err instanceof CoordinatorError)) throw err;
          responses.push({ ...ok, errorCode: err.code });
        }
      }
    }

    const left = responses.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.memberId);
    let follow: CoordinatorResult<void> = EMPTY_RESULT;
    if (left.length > 0) {
      const reason = `explicit LeaveGroup request for (${left.join(', ')}) members`;
      if (group.isInState(ClassicGroupState.Stable) || group.isInState(ClassicGroupState.CompletingRebalance)) {
        follow = this.maybePrepareRebalanceOrCompleteJoin(group, reason);
      } else if (group.isInState(ClassicGroupState.PreparingRebalance)) {
        follow = this.maybeCompleteJoinPhase(group);
      }
    }
    return { ...follow, response: { errorCode: ErrorCode.NONE, members: responses } };
  }

  private removeCurrentMember(group: ClassicGroup, memberId: string, reason: string): void {
    const member = group.member(memberId);
    this.timer.cancel(heartbeatKey(group.groupId, memberId));
    log.info('member left the group', { group: group.groupId, memberId, groupInstanceId: member.groupInstanceId, reason });
    // A parked JoinGroup of the leaving member learns that it is out.
    group.completeJoinFuture(member, joinResult({ memberId: UNKNOWN_MEMBER_ID, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
    group.remove(memberId);
  }

  // -------------------------------------------------------------------------
  // DescribeGroups and ListGroups

  describe(groupId: string): DescribedGroup {
    const group = this.groups.get(groupId);
    if (!(group instanceof ClassicGroup)) {
      return { errorCode: ErrorCode.NONE, groupId, groupState: ClassicGroupState.Dead, protocolType: '', protocolData: '', members: [] };
    }
    if (group.isInState(ClassicGroupState.Stable)) {
      const protocol = group.protocolName!;
      return {
        errorCode: ErrorCode.NONE, groupId, groupState: group.state, protocolType: group.protocolType ?? '', protocolData: protocol,
        members: group.allMembers().map((m) => m.describe(protocol)),
      };
    }
    // Outside Stable, assignments are in flux: members are listed without metadata or assignment.
    return {
      errorCode: ErrorCode.NONE, groupId, groupState: group.state, protocolType: group.protocolType ?? '', protocolData: '',
      members: group.allMembers().map((m) => m.describeNoMetadata()),
    };
  }

  // -------------------------------------------------------------------------
  // KIP-848 online downgrade

  /** group.max.size, which a consumer group must fit to be downgraded. */
  get maxSize(): number {
    return this.config.maxSize;
  }

  /**
   * The classic group that takes over from a consumer group whose last consumer-protocol member left (Kafka's
   * ClassicGroup.fromConsumerGroup + convertToClassicGroup): Stable at generation = the group epoch with the
   * remaining classic members and their target assignments, written as a GroupMetadata record, then rebalancing.
   */
  downgrade(groupId: string, generation: number, members: readonly DowngradedMember[]): CoordinatorResult<void> {
    const now = this.time.now();
    const group = new ClassicGroup(groupId, ClassicGroupState.Stable, now, {
      generationId: generation, protocolType: 'consumer', protocolName: null, leaderId: null, currentStateTimestamp: now,
    });
    for (const m of members) {
      group.add(new ClassicGroupMember(m.memberId, m.instanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, 'consumer', m.protocols, m.assignment), null);
    }
    group.protocolName = group.selectProtocol();
    group.subscribedTopics = group.computeSubscribedTopics();
    this.groups.set(groupId, group);
    const record = groupMetadataRecord(groupId, groupValue(group, new Map(members.map((m) => [m.memberId, m.assignment]))));
    for (const m of group.allMembers()) this.rescheduleHeartbeat(group, m);
    log.info('downgraded a consumer group to a classic group', { group: groupId, members: members.length, generation });
    const rebalance = this.prepareRebalance(group, `Downgrade group ${groupId} from consumer to classic.`);
    return { ...rebalance, records: [record, ...rebalance.records], replay: false };
  }

  // -------------------------------------------------------------------------
  // Loading from __consumer_offsets

  /** Applies a GroupMetadata record (or tombstone) read back from the log. */
  replayGroupMetadata(groupId: string, value: GroupMetadataValue | null): void {
    if (value === null) {
      this.removeGroup(groupId);
      return;
    }
    const protocolType = value.protocolType === '' ? null : value.protocolType;
    const group = new ClassicGroup(groupId, value.members.length === 0 ? ClassicGroupState.Empty : ClassicGroupState.Stable, this.time.now(), {
      generationId: value.generation,
      protocolType,
      protocolName: value.protocol,
      leaderId: value.leader,
      currentStateTimestamp: value.currentStateTimestamp === -1 ? null : value.currentStateTimestamp,
    });
    for (const m of value.members) {
      const member = new ClassicGroupMember(
        m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout,
        m.sessionTimeout, value.protocolType, [{ name: value.protocol ?? '', metadata: m.subscription }], m.assignment,
      );
      group.add(member, null);
    }
    // add() elects the first member when no leader is set; the persisted leader wins.
    group.leaderId = value.leader;
    const previous = this.groups.get(groupId);
    if (previous instanceof ClassicGroup) this.cancelGroupTimers(previous);
    this.groups.set(groupId, group);
    group.subscribedTopics = group.computeSubscribedTopics();
  }

  /** After loading: sessions restart for every loaded member; an over-capacity group rebalances. */
  onLoaded(): CoordinatorResult<void>[] {
    const results: CoordinatorResult<void>[] = [];
    for (const g of this.groups.values()) {
      if (!(g instanceof ClassicGroup)) continue;
      for (const m of g.allMembers()) this.rescheduleHeartbeat(g, m);
      if (g.numMembers() > this.config.maxSize) {
        results.push(this.prepareRebalance(g, `freshly loaded group (size ${g.numMembers()}) is over capacity ${this.config.maxSize}`));
      }
    }
    return results;
  }

  removeGroup(groupId: string, error: ErrorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    this.groups.delete(groupId);
    if (group instanceof ClassicGroup) {
      this.cancelGroupTimers(group);
      // Anyone still waiting learns the group moved on.
      group.completeAllJoinFutures(error);
      group.completeAllSyncFutures(error);
      if (!group.isInState(ClassicGroupState.Dead)) group.transitionTo(ClassicGroupState.Dead, this.time.now());
    }
  }

  private cancelGroupTimers(group: ClassicGroup): void {
    this.timer.cancel(joinKey(group.groupId));
    this.timer.cancel(syncKey(group.groupId));
    for (const id of [...group.members.keys(), ...group.pendingJoinMembers]) this.timer.cancel(heartbeatKey(group.groupId, id));
  }
}
