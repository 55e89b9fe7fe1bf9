// A KIP-848 consumer group: members heartbeat (ConsumerGroupHeartbeat) and the
// coordinator computes their assignments. The group epoch moves whenever the
// members or their subscriptions or the subscribed topics change; the target
// assignment is computed for a group epoch (the assignment epoch); each member
// then converges to its target with its own member epoch, revoking first what
// it must give up, and receiving a partition only once no other member still
// owns it.

import { ErrorCode } from '../protocol/generated/index.js';
import { assignmentsEqual, type Assignment } from './assignors/assignor.js';
import { fail, type Group, type GroupType, type OffsetExpirationCondition } from './group.js';
import { groupTombstones } from './consumer-group-records.js';
import type { TopicMetadata } from './consumer-group-topics.js';
import type { ClassicMemberMetadata, CoordinatorRecord } from './records.js';

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';

/** Stable: owns its target; Unrevoked: must give partitions up first; Unreleased: waits for partitions others still own. */
export type MemberState = 'stable' | 'unrevoked' | 'unreleased';

export class ConsumerGroupMember {
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: MemberState = 'stable';
  instanceId: string | null = null;
  rackId: string | null = null;
  rebalanceTimeoutMs = -1;
  clientId = '';
  clientHost = '';
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  /** Set while the member uses the classic protocol (JoinGroup/SyncGroup) inside the consumer group. */
  classic: ClassicMemberMetadata | null = null;
  /** What the member owns (and was told it owns). */
  assigned: Assignment = new Map();
  /** What the member was asked to revoke and has not confirmed yet. */
  pendingRevocation: Assignment = new Map();

  constructor(readonly memberId: string) {}

  /** Whether the subscription matches a topic name (names, or the regex as a whole-name match). */
  subscribesTo(topic: string, regex: RegExp | null): boolean {
    if (this.subscribedTopicNames.includes(topic)) return true;
    return regex !== null && regex.test(topic);
  }
}

export class ConsumerGroup implements Group {
  readonly type: GroupType = 'consumer';
  readonly members = new Map<string, ConsumerGroupMember>();
  /** memberId -> target assignment (for assignmentEpoch). */
  readonly targetAssignment = new Map<string, Assignment>();
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** The subscribed topics (sorted by name) the group epoch was last bumped for (ConsumerGroupPartitionMetadata). */
  subscriptionMetadata: TopicMetadata[] = [];
  /** Instance id -> member id of static members. */
  readonly staticMembers = new Map<string, string>();
  dead = false;

  // What __consumer_offsets holds for this group (see consumer-group-records.ts).
  /** Record slot -> the encoded value last written or replayed. */
  readonly persisted = new Map<string, Buffer>();
  /** Members that have records in the log. */
  readonly persistedMembers = new Set<string>();
  /** Members changed since the records were last written; all of them after a new target assignment. */
  readonly dirtyMembers = new Set<string>();
  allMembersDirty = false;

  constructor(readonly groupId: string) {}

  state(): ConsumerGroupState {
    if (this.dead) return 'Dead';
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== 'stable') return 'Reconciling';
    }
    return 'Stable';
  }

  stateAsString(): string {
    return this.state();
  }

  isInStates(lowerCaseStates: ReadonlySet<string>): boolean {
    return lowerCaseStates.has(this.state().toLowerCase());
  }

  listedProtocolType(): string {
    return 'consumer';
  }

  numMembers(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** Kafka's ConsumerGroup.validateOffsetCommit: member epochs instead of generations. */
  validateOffsetCommit(memberId: string, _groupInstanceId: string | null, memberEpoch: number, isTransactional: boolean, apiVersion: number): void {
    // No epoch: the admin client or a consumer without group management, allowed while the group is empty.
    if (memberEpoch < 0 && this.members.size === 0) return;
    const member = this.members.get(memberId);
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${this.groupId}.`);
    // Members of the consumer protocol commit with OffsetCommit v9+ (which carries the member epoch); classic
    // members (KIP-848 mixed groups) commit with their generation, which is their member epoch.
    if (!isTransactional && member.classic === null && apiVersion < 9) fail(ErrorCode.UNSUPPORTED_VERSION, 'OffsetCommit version 9 or later is required by consumer group members.');
    validateMemberEpoch(memberEpoch, member);
  }

  validateOffsetFetch(memberId: string | null, memberEpoch: number): void {
    // The admin client fetches without a member.
    if (memberEpoch < 0 && memberId === null) return;
    const member = memberId === null ? undefined : this.members.get(memberId);
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${this.groupId}.`);
    validateMemberEpoch(memberEpoch, member);
  }

  validateOffsetDelete(): void {}

  validateDeleteGroup(): void {
    if (this.members.size > 0) fail(ErrorCode.NON_EMPTY_GROUP, `Group ${this.groupId} is not empty.`);
  }

  isSubscribedToTopic(topic: string): boolean {
    for (const m of this.members.values()) if (m.subscribesTo(topic, compileSubscriptionRegex(m.subscribedTopicRegex))) return true;
    return false;
  }

  offsetExpirationCondition(): OffsetExpirationCondition | null {
    // Consumer groups count retention from each offset's commit time (Kafka's ConsumerGroup).
    return { baseTimestamp: (o) => o.commitTimestampMs };
  }

  createGroupTombstoneRecords(records: CoordinatorRecord[]): void {
    groupTombstones(this, records);
  }

  /** Partitions owned (assigned or pending revocation) by members other than `exceptMemberId`: "topicId:partition". */
  ownedByOthers(exceptMemberId: string): Set<string> {
    const owned = new Set<string>();
    for (const m of this.members.values()) {
      if (m.memberId === exceptMemberId) continue;
      for (const a of [m.assigned, m.pendingRevocation]) for (const [t, s] of a) for (const p of s) owned.add(`${t}:${p}`);
    }
    return owned;
  }

  targetOf(memberId: string): Assignment {
    return this.targetAssignment.get(memberId) ?? new Map();
  }

  isMemberAtTarget(m: ConsumerGroupMember): boolean {
    return m.state === 'stable' && m.memberEpoch === this.assignmentEpoch && assignmentsEqual(m.assigned, this.targetOf(m.memberId));
  }
}

/** Kafka's validateMemberEpoch: a classic member's mismatch is ILLEGAL_GENERATION, a consumer member's STALE_MEMBER_EPOCH. */
function validateMemberEpoch(received: number, member: ConsumerGroupMember): void {
  if (received === member.memberEpoch) return;
  if (member.classic !== null) fail(ErrorCode.ILLEGAL_GENERATION, `The received generation id ${received} does not match the current generation ${member.memberEpoch}.`);
  fail(ErrorCode.STALE_MEMBER_EPOCH, `The member epoch ${received} does not match the current member epoch ${member.memberEpoch}.`);
}

const regexCache = new Map<string, RegExp>();

/** The subscription regex as a whole-name match (as Kafka's RE2J matches()); throws SyntaxError when invalid. */
export function compileSubscriptionRegex(source: string | null): RegExp | null {
  if (source === null || source === '') return null;
  let re = regexCache.get(source);
  if (re === undefined) {
    re = new RegExp(`^(?:${source})$`, 'u');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}
