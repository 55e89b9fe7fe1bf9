// Membership of a classic group with any protocol type (Schema Registry's
// 'sr', Connect's 'connect'): FindCoordinator, JoinGroup (retrying once with
// the member id the coordinator hands out, KIP-394), SyncGroup with the
// leader's assignment, background heartbeats, rejoining when the group
// rebalances, and LeaveGroup on leave(). The member talks to its coordinator
// on a connection lane of its own: a JoinGroup may wait a whole rebalance.

import { createLogger } from '../observability/logger.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { Apis } from './apis.js';
import { DEFAULT_LANE, type Cluster } from './cluster.js';
import { KafkaClientError, invalidArgument, responseError } from './errors.js';
import { asClientError } from './retry.js';

const log = createLogger('client-group');

export interface GroupMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface Assignment {
  generation: number;
  memberId: string;
  leaderId: string;
  assignment: Buffer;
}

export interface JoinGroupOptions {
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  /** Default 10 000 (Schema Registry's and Connect's default). */
  sessionTimeoutMs?: number;
  /** Default 60 000: how long the coordinator waits for every member to rejoin. */
  rebalanceTimeoutMs?: number;
  /** Called on the leader with every member's metadata; returns each member's assignment. */
  assign: (members: GroupMemberInfo[]) => Map<string, Buffer>;
  /** Called after every successful SyncGroup. */
  onAssigned: (a: Assignment) => void;
  /** Called before rejoining a rebalancing group (the current assignment is no longer valid). */
  onRevoked?: () => void;
}

export interface GroupMember {
  readonly groupId: string;
  readonly memberId: string;
  readonly generation: number;
  readonly leaderId: string;
  readonly isLeader: boolean;
  /** Leaves the group (LeaveGroup) and stops heartbeating. */
  leave(): Promise<void>;
}

/** Errors after which the coordinator has moved or is not ready: find it again. */
const COORDINATOR_ERRORS = new Set<number>([
  ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

let nextLane = 1;

export class ClassicGroupMember implements GroupMember {
  memberId = '';
  generation = -1;
  leaderId = '';
  private protocolName: string | null = null;
  private left = false;
  private needsRejoin = false;
  private readonly lane = `group-${nextLane++}`;
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly cluster: Cluster,
    readonly groupId: string,
    private readonly opts: JoinGroupOptions,
    /** Called once the member has left. */
    private readonly onLeft: () => void = () => {},
  ) {
    if (typeof groupId !== 'string' || groupId === '') throw invalidArgument(ErrorCode.INVALID_GROUP_ID, 'JoinGroup: the group id is empty');
    if (typeof opts.protocolType !== 'string' || opts.protocolType === '') throw invalidArgument(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `JoinGroup ${groupId}: the protocol type is empty`);
    if (!Array.isArray(opts.protocols) || opts.protocols.length === 0) throw invalidArgument(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `JoinGroup ${groupId}: no protocols given`);
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 10_000;
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 60_000;
    // Java's heartbeat.interval.ms is 3 s against a 10 s session in Schema Registry: about a third.
    this.heartbeatIntervalMs = Math.max(100, Math.floor(this.sessionTimeoutMs / 3));
  }

  get isLeader(): boolean {
    return this.memberId !== '' && this.memberId === this.leaderId;
  }

  /** Joins and syncs once (retrying within the request timeout), then heartbeats in the background. */
  async start(): Promise<void> {
    const deadline = Date.now() + Math.max(this.cluster.requestTimeoutMs, this.rebalanceTimeoutMs);
    await this.joinAndSync(deadline);
    this.loop = this.run();
  }

  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    this.wake?.();
    const memberId = this.memberId;
    if (memberId !== '' && !this.cluster.closed) {
      try {
        // On the default lane: this member's own lane may be busy with a JoinGroup.
        const conn = await this.cluster.coordinatorFor(this.groupId, DEFAULT_LANE);
        const res = await conn.request(Apis.LeaveGroup, (v) => (v >= 3
          ? { groupId: this.groupId, members: [{ memberId, groupInstanceId: null, reason: 'the member is leaving' }] }
          : { groupId: this.groupId, memberId }));
        const code = res.errorCode !== ErrorCode.NONE ? res.errorCode : (res.members[0]?.errorCode ?? ErrorCode.NONE);
        if (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_MEMBER_ID) log.warn('LeaveGroup failed', { group: this.groupId, error: responseError(code, 'LeaveGroup').message });
      } catch (e) {
        // The session timeout removes the member anyway.
        log.warn('LeaveGroup failed', { group: this.groupId, error: asClientError(e).message });
      }
    }
    await this.cluster.closeLane(this.lane);
    await this.loop;
    this.memberId = '';
    this.onLeft();
  }

  /** Heartbeats every interval; rejoins when the group rebalances or forgot this member. */
  private async run(): Promise<void> {
    while (!this.left) {
      if (this.needsRejoin) {
        try {
          await this.joinAndSync(Number.POSITIVE_INFINITY);
        } catch (e) {
          if (this.left) return;
          log.warn('rejoining the group failed; trying again', { group: this.groupId, error: asClientError(e).message });
          await this.pause(this.heartbeatIntervalMs);
        }
        continue;
      }
      await this.pause(this.heartbeatIntervalMs);
      if (this.left) return;
      await this.heartbeat();
    }
  }

  private async heartbeat(): Promise<void> {
    let code: number;
    try {
      const conn = await this.cluster.coordinatorFor(this.groupId, this.lane);
      const res = await conn.request(Apis.Heartbeat, { groupId: this.groupId, generationId: this.generation, memberId: this.memberId, groupInstanceId: null });
      code = res.errorCode;
    } catch (e) {
      if (this.left) return;
      const err = asClientError(e);
      // A lost connection or a timeout: try again at the next interval; the session outlasts a few misses.
      log.debug('heartbeat failed', { group: this.groupId, error: err.message });
      this.cluster.forgetCoordinator(this.groupId);
      return;
    }
    if (code === ErrorCode.NONE) return;
    if (COORDINATOR_ERRORS.has(code)) {
      this.cluster.forgetCoordinator(this.groupId);
      return;
    }
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.FENCED_INSTANCE_ID) this.memberId = '';
    // REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: the assignment is stale.
    this.revoke();
  }

  private revoke(): void {
    this.needsRejoin = true;
    try {
      this.opts.onRevoked?.();
    } catch (e) {
      log.warn('onRevoked threw', { group: this.groupId, error: asClientError(e).message });
    }
  }

  /** JoinGroup then SyncGroup until one generation is complete; throws a non-retriable error or at the deadline. */
  private async joinAndSync(deadline: number): Promise<void> {
    let backoff = 50;
    const retryLater = async (err: KafkaClientError): Promise<void> => {
      if (Date.now() + backoff > deadline) throw err;
      await this.pause(backoff);
      backoff = Math.min(backoff * 2, 1000);
    };
    while (!this.left) {
      let code: number;
      try {
        code = await this.joinAndSyncOnce();
      } catch (e) {
        const err = asClientError(e);
        if (this.left) break;
        if (!err.retriable) throw err;
        this.cluster.forgetCoordinator(this.groupId);
        await retryLater(err);
        continue;
      }
      if (code === ErrorCode.NONE) {
        this.needsRejoin = false;
        return;
      }
      const err = responseError(code, `JoinGroup ${this.groupId}`);
      if (Date.now() > deadline) throw err;
      switch (code) {
        case ErrorCode.MEMBER_ID_REQUIRED:
          continue; // KIP-394: join again at once, now with the member id the coordinator gave
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.FENCED_INSTANCE_ID:
          this.memberId = '';
          continue;
        case ErrorCode.REBALANCE_IN_PROGRESS:
        case ErrorCode.ILLEGAL_GENERATION:
          continue;
        default:
          if (COORDINATOR_ERRORS.has(code)) {
            this.cluster.forgetCoordinator(this.groupId);
            await retryLater(err);
            continue;
          }
          throw err;
      }
    }
    throw new KafkaClientError(ErrorCode.UNKNOWN_MEMBER_ID, `JoinGroup ${this.groupId}: the member left the group`, false);
  }

  /** One JoinGroup and, if it succeeds, one SyncGroup. Returns the error code of whichever failed. */
  private async joinAndSyncOnce(): Promise<number> {
    const conn = await this.cluster.coordinatorFor(this.groupId, this.lane);
    // The coordinator holds a JoinGroup until every member rejoined: up to the rebalance timeout.
    const join = await conn.request(Apis.JoinGroup, {
      groupId: this.groupId,
      sessionTimeoutMs: this.sessionTimeoutMs,
      rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: this.opts.protocolType,
      protocols: this.opts.protocols,
      reason: null,
    }, { timeoutMs: this.rebalanceTimeoutMs + this.cluster.requestTimeoutMs });
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = join.memberId;
    if (join.errorCode !== ErrorCode.NONE) return join.errorCode;
    this.memberId = join.memberId;
    this.generation = join.generationId;
    this.leaderId = join.leader;
    this.protocolName = join.protocolName;

    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (join.leader === join.memberId && !join.skipAssignment) {
      let map: Map<string, Buffer>;
      try {
        map = this.opts.assign(join.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })));
      } catch (e) {
        throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `the assign callback of group ${this.groupId} threw: ${asClientError(e).message}`, false);
      }
      assignments = [...map].map(([memberId, assignment]) => ({ memberId, assignment }));
    }
    const sync = await conn.request(Apis.SyncGroup, {
      groupId: this.groupId,
      generationId: this.generation,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: this.opts.protocolType,
      protocolName: this.protocolName,
      assignments,
    }, { timeoutMs: this.rebalanceTimeoutMs + this.cluster.requestTimeoutMs });
    if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    if (sync.errorCode !== ErrorCode.NONE) return sync.errorCode;
    try {
      this.opts.onAssigned({ generation: this.generation, memberId: this.memberId, leaderId: this.leaderId, assignment: sync.assignment });
    } catch (e) {
      log.warn('onAssigned threw', { group: this.groupId, error: asClientError(e).message });
    }
    return ErrorCode.NONE;
  }

  /** Sleeps, cut short by leave(). */
  private async pause(ms: number): Promise<void> {
    if (this.left) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.wake = null;
  }
}
