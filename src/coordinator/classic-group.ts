// A classic group (the JoinGroup/SyncGroup protocol): its members, state,
// generation, leader and protocol, with the bookkeeping Kafka's ClassicGroup
// keeps (members awaiting a JoinGroup or SyncGroup answer, pending members of
// the KIP-394 member-id dance, static members by group.instance.id, KIP-345).
// The state machine that moves it lives in classic-group-manager.ts.

import { ConsumerProtocolSubscriptionMessage, ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import {
  fail, type Group, type GroupType, type OffsetAndMetadata, type OffsetExpirationCondition,
} from './group.js';
import { decodeVersioned } from './consumer-protocol.js';
import { javaHashMapOrder } from './java-compat.js';
import { groupMetadataRecord, type CoordinatorRecord } from './records.js';

const log = createLogger('group-coordinator');

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const UNKNOWN_MEMBER_ID = '';
export const NO_LEADER = '';
export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export enum ClassicGroupState {
  Empty = 'Empty',
  PreparingRebalance = 'PreparingRebalance',
  CompletingRebalance = 'CompletingRebalance',
  Stable = 'Stable',
  Dead = 'Dead',
}

const VALID_PREVIOUS_STATES: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  [ClassicGroupState.Empty]: [ClassicGroupState.PreparingRebalance],
  [ClassicGroupState.PreparingRebalance]: [ClassicGroupState.Stable, ClassicGroupState.CompletingRebalance, ClassicGroupState.Empty],
  [ClassicGroupState.CompletingRebalance]: [ClassicGroupState.PreparingRebalance],
  [ClassicGroupState.Stable]: [ClassicGroupState.CompletingRebalance],
  [ClassicGroupState.Dead]: [
    ClassicGroupState.Stable, ClassicGroupState.PreparingRebalance, ClassicGroupState.CompletingRebalance,
    ClassicGroupState.Empty, ClassicGroupState.Dead,
  ],
};

/** A promise whose answer is given later, once (a parked JoinGroup or SyncGroup). */
export class Deferred<T> {
  readonly promise: Promise<T>;
  private resolveFn!: (v: T) => void;
  done = false;

  constructor() {
    this.promise = new Promise<T>((resolve) => { this.resolveFn = resolve; });
  }

  /** Returns false when an answer was already given. */
  complete(value: T): boolean {
    if (this.done) return false;
    this.done = true;
    this.resolveFn(value);
    return true;
  }
}

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

/** A JoinGroup answer before version-specific encoding. */
export interface JoinGroupResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinMemberInfo[];
}

export function joinResult(fields: Partial<JoinGroupResult>): JoinGroupResult {
  return {
    errorCode: ErrorCode.NONE, generationId: -1, protocolType: null, protocolName: null, leader: NO_LEADER,
    skipAssignment: false, memberId: UNKNOWN_MEMBER_ID, members: [], ...fields,
  };
}

export interface SyncGroupResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export function syncResult(fields: Partial<SyncGroupResult>): SyncGroupResult {
  return { errorCode: ErrorCode.NONE, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT, ...fields };
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

/** Keeps the first protocol of each name: a JoinGroup naming one twice votes once for it. */
export function distinctProtocols(protocols: readonly Protocol[]): Protocol[] {
  const seen = new Set<string>();
  const out: Protocol[] = [];
  for (const p of protocols) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, metadata: p.metadata });
  }
  return out;
}

export class ClassicGroupMember {
  assignment: Buffer;
  awaitingJoin: Deferred<JoinGroupResult> | null = null;
  awaitingSync: Deferred<SyncGroupResult> | null = null;
  /** Set until the member's first join completes: it may expire while its JoinGroup is parked. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public supportedProtocols: Protocol[],
    assignment: Buffer = EMPTY_ASSIGNMENT,
  ) {
    this.assignment = assignment;
  }

  get isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** Members in a rebalance satisfy their heartbeat; new members do not (KIP-394 join timeout). */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  metadata(protocolName: string): Buffer {
    const p = this.supportedProtocols.find((x) => x.name === protocolName);
    if (p === undefined) throw new Error(`member ${this.memberId} does not support protocol ${protocolName}`);
    return p.metadata;
  }

  /** The same protocols with the same metadata, in the same order. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => p.name === this.supportedProtocols[i]!.name && p.metadata.equals(this.supportedProtocols[i]!.metadata));
  }

  /** The member's first preference among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.supportedProtocols.find((x) => candidates.has(x.name));
    if (p === undefined) throw new Error(`member ${this.memberId} does not support any of the candidate protocols`);
    return p.name;
  }

  describe(protocolName: string): DescribedMember {
    return {
      memberId: this.memberId, groupInstanceId: this.groupInstanceId, clientId: this.clientId, clientHost: this.clientHost,
      memberMetadata: this.metadata(protocolName), memberAssignment: this.assignment,
    };
  }

  describeNoMetadata(): DescribedMember {
    return {
      memberId: this.memberId, groupInstanceId: this.groupInstanceId, clientId: this.clientId, clientHost: this.clientHost,
      memberMetadata: EMPTY_ASSIGNMENT, memberAssignment: EMPTY_ASSIGNMENT,
    };
  }
}

/**
 * The topics of a ConsumerProtocolSubscription, read with the v0 layout that
 * prefixes every version (as Kafka does, so future versions parse too). Null
 * when the bytes do not parse.
 */
export function subscribedTopicsOf(metadata: Buffer): string[] | null {
  return decodeVersioned(metadata, (r) => ConsumerProtocolSubscriptionMessage.decode(r, 0).topics);
}

export class ClassicGroup implements Group {
  readonly type: GroupType = 'classic';
  state: ClassicGroupState;
  previousState: ClassicGroupState = ClassicGroupState.Dead;
  /** When the group entered its current state; null for groups loaded from values older than v2. */
  currentStateTimestamp: number | null;
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet (KIP-394). */
  readonly pendingJoinMembers = new Set<string>();
  readonly pendingSyncMembers = new Set<string>();
  numMembersAwaitingJoinResponse = 0;
  /** Protocol name -> how many members support it. */
  readonly supportedProtocols = new Map<string, number>();
  /** Null when unknown (not a consumer group, or undecodable subscriptions). */
  subscribedTopics: Set<string> | null = null;
  /** A member joined during the initial delay: extend it (group.initial.rebalance.delay.ms). */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    state: ClassicGroupState,
    now: number,
    loaded?: { generationId: number; protocolType: string | null; protocolName: string | null; leaderId: string | null; currentStateTimestamp: number | null },
  ) {
    this.state = state;
    this.generationId = loaded?.generationId ?? 0;
    this.protocolType = loaded?.protocolType ?? null;
    this.protocolName = loaded?.protocolName ?? null;
    this.leaderId = loaded?.leaderId ?? null;
    this.currentStateTimestamp = loaded === undefined ? now : loaded.currentStateTimestamp;
  }

  stateAsString(): string {
    return this.state;
  }

  isInState(s: ClassicGroupState): boolean {
    return this.state === s;
  }

  isInStates(lowerCaseStates: ReadonlySet<string>): boolean {
    return lowerCaseStates.has(this.state.toLowerCase());
  }

  listedProtocolType(): string {
    return this.protocolType ?? '';
  }

  numMembers(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.isInState(ClassicGroupState.Empty);
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const m = this.members.get(memberId);
    if (m === undefined) throw new Error(`no member ${memberId} in group ${this.groupId}`);
    return m;
  }

  allMembers(): ClassicGroupMember[] {
    return [...this.members.values()];
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  leaderOrNull(): string | null {
    return this.leaderId;
  }

  currentStateTimestampOrDefault(): number {
    return this.currentStateTimestamp ?? -1;
  }

  usesConsumerGroupProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** The longest rebalance timeout of the members. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES[ClassicGroupState.PreparingRebalance].includes(this.state);
  }

  transitionTo(target: ClassicGroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[target].includes(this.state)) {
      throw new Error(`group ${this.groupId} should be in one of ${VALID_PREVIOUS_STATES[target].join(',')} before moving to ${target}, it is ${this.state}`);
    }
    this.previousState = this.state;
    this.state = target;
    this.currentStateTimestamp = now;
  }

  add(member: ClassicGroupMember, future: Deferred<JoinGroupResult> | null = null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new Error(`static member ${member.groupInstanceId} is already a member of group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.incrementSupportedProtocols(member);
    member.awaitingJoin = future;
    if (member.isAwaitingJoin) this.numMembersAwaitingJoinResponse++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed !== undefined) {
      this.members.delete(memberId);
      this.decrementSupportedProtocols(removed);
      if (removed.isAwaitingJoin) this.numMembersAwaitingJoinResponse--;
      if (removed.groupInstanceId !== null) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Keeps the leader if it rejoined; otherwise the first member that did. False when none did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const current = this.members.get(this.leaderId);
    if (current !== undefined && current.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        log.info('group leader failed to rejoin in time; elected a new one', { group: this.groupId, oldLeader: this.leaderId, newLeader: m.memberId });
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** A static member rejoined with a new member id: the old one is fenced, everything else carries over. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const removed = this.members.get(oldMemberId);
    if (removed === undefined) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    // Whoever still waits with the old id is a duplicate of this instance: fence it.
    this.completeJoinFuture(removed, joinResult({ memberId: oldMemberId, errorCode: ErrorCode.FENCED_INSTANCE_ID }));
    this.completeSyncFuture(removed, syncResult({ errorCode: ErrorCode.FENCED_INSTANCE_ID }));
    const replacement = new ClassicGroupMember(
      newMemberId, removed.groupInstanceId, removed.clientId, removed.clientHost, removed.rebalanceTimeoutMs,
      removed.sessionTimeoutMs, removed.protocolType, removed.supportedProtocols, removed.assignment,
    );
    this.members.set(newMemberId, replacement);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return replacement;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    if (this.hasMember(memberId)) throw new Error(`pending member ${memberId} is already a member of group ${this.groupId}`);
    this.pendingJoinMembers.add(memberId);
  }

  hasReceivedSyncFromAllMembers(): boolean {
    return this.pendingSyncMembers.size === 0;
  }

  hasStaticMember(groupInstanceId: string): boolean {
    return this.staticMembers.has(groupInstanceId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  notYetRejoinedMembers(): ClassicGroupMember[] {
    return this.allMembers().filter((m) => !m.isAwaitingJoin);
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoinResponse && this.pendingJoinMembers.size === 0;
  }

  /** Kafka's ClassicGroup.validateMember: instance id first (FENCED_INSTANCE_ID), then the member id. */
  validateMember(memberId: string, groupInstanceId: string | null, operation: string): void {
    if (groupInstanceId !== null) {
      const existing = this.staticMemberId(groupInstanceId);
      if (existing === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID);
      if (existing !== memberId) {
        log.info('static member fenced by a newer instance', { group: this.groupId, memberId, groupInstanceId, existing, operation });
        fail(ErrorCode.FENCED_INSTANCE_ID);
      }
    }
    if (!this.hasMember(memberId)) fail(ErrorCode.UNKNOWN_MEMBER_ID);
  }

  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number, isTransactional: boolean): void {
    if (this.isInState(ClassicGroupState.Dead)) fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // Generation -1: the admin client or a consumer without group management, allowed while the group is empty.
    if (generationId < 0 && this.isInState(ClassicGroupState.Empty)) return;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      this.validateMember(memberId, groupInstanceId, isTransactional ? 'txn-offset-commit' : 'offset-commit');
      if (generationId !== this.generationId) fail(ErrorCode.ILLEGAL_GENERATION);
    } else if (!isTransactional && !this.isInState(ClassicGroupState.Empty)) {
      // No member id and no generation (OffsetCommit v0): only an empty group takes it.
      fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    // A member that got its JoinGroup answer but not yet its assignment: let it finish the rebalance first.
    if (!isTransactional && this.isInState(ClassicGroupState.CompletingRebalance)) fail(ErrorCode.REBALANCE_IN_PROGRESS);
  }

  validateOffsetFetch(): void {
    if (this.isInState(ClassicGroupState.Dead)) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${this.groupId} is in dead state.`);
  }

  validateOffsetDelete(): void {
    switch (this.state) {
      case ClassicGroupState.Dead:
        fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${this.groupId} is in dead state.`);
      // eslint-disable-next-line no-fallthrough
      case ClassicGroupState.Stable:
      case ClassicGroupState.PreparingRebalance:
      case ClassicGroupState.CompletingRebalance:
        // Only consumer groups know which topics they read; others keep their offsets while active.
        if (!this.usesConsumerGroupProtocol()) fail(ErrorCode.NON_EMPTY_GROUP);
        break;
      default:
    }
  }

  validateDeleteGroup(): void {
    switch (this.state) {
      case ClassicGroupState.Dead:
        fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${this.groupId} is in dead state.`);
      // eslint-disable-next-line no-fallthrough
      case ClassicGroupState.Stable:
      case ClassicGroupState.PreparingRebalance:
      case ClassicGroupState.CompletingRebalance:
        fail(ErrorCode.NON_EMPTY_GROUP);
      // eslint-disable-next-line no-fallthrough
      default:
    }
  }

  createGroupTombstoneRecords(records: CoordinatorRecord[]): void {
    records.push(groupMetadataRecord(this.groupId, null));
  }

  isSubscribedToTopic(topic: string): boolean {
    // Unknown subscriptions count as subscribed for consumer groups (the safe side for OffsetDelete).
    return this.subscribedTopics !== null ? this.subscribedTopics.has(topic) : this.usesConsumerGroupProtocol();
  }

  offsetExpirationCondition(): OffsetExpirationCondition | null {
    if (this.protocolType !== null) {
      if (this.isInState(ClassicGroupState.Empty)) {
        // Retention counts from when the group became empty (or, for old values, from the commit).
        const since = this.currentStateTimestamp;
        return { baseTimestamp: (o: OffsetAndMetadata) => since ?? o.commitTimestampMs };
      }
      if (this.usesConsumerGroupProtocol() && this.subscribedTopics !== null && this.isInState(ClassicGroupState.Stable)) {
        // KIP-496: a stable consumer group's offsets of topics it no longer reads expire too.
        return { baseTimestamp: (o: OffsetAndMetadata) => o.commitTimestampMs };
      }
      return null;
    }
    // No protocol type: a "simple" group that only commits offsets.
    return { baseTimestamp: (o: OffsetAndMetadata) => o.commitTimestampMs };
  }

  /** The protocols every member supports. */
  candidateProtocols(): Set<string> {
    const out = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) out.add(name);
    return out;
  }

  /**
   * Kafka's vote: each member votes for its first candidate, the most votes
   * win; a tie goes to the protocol a java.util.HashMap would list first.
   */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const name of javaHashMapOrder([...votes.keys()])) {
      if (best === null || votes.get(name)! > votes.get(best)!) best = name;
    }
    return best!;
  }

  private incrementSupportedProtocols(member: ClassicGroupMember): void {
    for (const p of member.supportedProtocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
  }

  private decrementSupportedProtocols(member: ClassicGroupMember): void {
    for (const p of member.supportedProtocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) - 1);
  }

  /** Whether a member with this protocol type and these protocols may join (INCONSISTENT_GROUP_PROTOCOL otherwise). */
  supportsProtocols(memberProtocolType: string, memberProtocols: readonly Protocol[]): boolean {
    if (this.isInState(ClassicGroupState.Empty)) return memberProtocolType !== '' && memberProtocols.length > 0;
    return this.protocolType === memberProtocolType
      && memberProtocols.some((p) => (this.supportedProtocols.get(p.name) ?? 0) === this.members.size);
  }

  /** The union of the members' subscribed topics for consumer groups; null when not knowable. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const all = new Set<string>();
    for (const m of this.members.values()) {
      const topics = subscribedTopicsOf(m.metadata(this.protocolName));
      if (topics === null) {
        log.warn('cannot parse a consumer subscription; the group\'s subscribed topics are unknown', { group: this.groupId, protocol: this.protocolName });
        return null;
      }
      for (const t of topics) all.add(t);
    }
    return all;
  }

  updateMember(member: ClassicGroupMember, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, future: Deferred<JoinGroupResult> | null): void {
    this.decrementSupportedProtocols(member);
    member.supportedProtocols = protocols;
    this.incrementSupportedProtocols(member);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (future !== null && !member.isAwaitingJoin) this.numMembersAwaitingJoinResponse++;
    else if (future === null && member.isAwaitingJoin) this.numMembersAwaitingJoinResponse--;
    // A second JoinGroup from the same member replaces the parked one; answer the old one so it is not left hanging.
    if (future !== null && member.awaitingJoin !== null && member.awaitingJoin !== future) {
      member.awaitingJoin.complete(joinResult({ memberId: member.memberId, errorCode: ErrorCode.REBALANCE_IN_PROGRESS }));
    }
    member.awaitingJoin = future;
  }

  completeJoinFuture(member: ClassicGroupMember, response: JoinGroupResult): boolean {
    if (member.awaitingJoin === null) return false;
    member.awaitingJoin.complete(response);
    member.awaitingJoin = null;
    this.numMembersAwaitingJoinResponse--;
    return true;
  }

  completeSyncFuture(member: ClassicGroupMember, response: SyncGroupResult): boolean {
    if (member.awaitingSync === null) return false;
    member.awaitingSync.complete(response);
    member.awaitingSync = null;
    return true;
  }

  completeAllJoinFutures(error: ErrorCode): void {
    for (const m of this.members.values()) this.completeJoinFuture(m, joinResult({ memberId: m.memberId, errorCode: error }));
  }

  completeAllSyncFutures(error: ErrorCode): void {
    for (const m of this.members.values()) this.completeSyncFuture(m, syncResult({ errorCode: error }));
  }

  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(ClassicGroupState.CompletingRebalance, now);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(ClassicGroupState.Empty, now);
    }
    this.pendingSyncMembers.clear();
  }

  /** The members as the leader's JoinGroup answer lists them, with their metadata for the chosen protocol. */
  currentMembersForJoin(): JoinMemberInfo[] {
    if (this.isInState(ClassicGroupState.Dead) || this.isInState(ClassicGroupState.PreparingRebalance)) {
      throw new Error(`cannot list the members of group ${this.groupId} in state ${this.state}`);
    }
    const protocol = this.protocolName!;
    return this.allMembers().map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  /** Every member's assignment, by member id. */
  groupAssignment(): Map<string, Buffer> {
    return new Map(this.allMembers().map((m) => [m.memberId, m.assignment]));
  }
}

