// What every kind of group offers the coordinator, so that classic groups
// (JoinGroup/SyncGroup) and KIP-848 consumer groups (ConsumerGroupHeartbeat)
// can live side by side in one group map, as they do in Kafka 4: committed
// offsets, listing, deletion and expiry go through this interface.

import { ErrorCode, errorMessage } from '../protocol/generated/index.js';
import type { CoordinatorRecord } from './records.js';

export type GroupType = 'classic' | 'consumer';

/** Thrown by coordinator operations for expected failures; the service turns it into the response's error code. */
export class CoordinatorError extends Error {
  constructor(readonly code: ErrorCode, message?: string) {
    super(message ?? errorMessage(code));
    this.name = 'CoordinatorError';
  }
}

export function fail(code: ErrorCode, message?: string): never {
  throw new CoordinatorError(code, message);
}

/** A committed offset as the coordinator keeps it. */
export interface OffsetAndMetadata {
  committedOffset: number;
  /** -1 when unknown. */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** -1 unless the commit set its own retention (OffsetCommit v2-4). */
  expireTimestampMs: number;
}

/**
 * When a group's committed offsets expire (KIP-211): retention counts from
 * baseTimestamp(offset), unless the offset carries its own expire timestamp.
 */
export interface OffsetExpirationCondition {
  baseTimestamp(offset: OffsetAndMetadata): number;
}

export function isOffsetExpired(condition: OffsetExpirationCondition, offset: OffsetAndMetadata, now: number, retentionMs: number): boolean {
  if (offset.expireTimestampMs >= 0) return now >= offset.expireTimestampMs;
  return now - condition.baseTimestamp(offset) >= retentionMs;
}

export interface Group {
  readonly type: GroupType;
  readonly groupId: string;
  /** The state as Kafka prints it (Empty, Stable, ...). */
  stateAsString(): string;
  /** ListGroups' state filter: the lower-cased names of the states to keep. */
  isInStates(lowerCaseStates: ReadonlySet<string>): boolean;
  /** Protocol type for ListGroups ("" for none). */
  listedProtocolType(): string;
  numMembers(): number;
  isEmpty(): boolean;

  /** Throws CoordinatorError when this member may not commit offsets now. */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationIdOrMemberEpoch: number, isTransactional: boolean, apiVersion: number): void;
  /** Throws CoordinatorError(GROUP_ID_NOT_FOUND) when the group is gone: its offsets then read as absent. */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): void;
  validateOffsetDelete(): void;
  validateDeleteGroup(): void;
  /** OffsetDelete refuses, and expiry keeps, offsets of topics the group still consumes. */
  isSubscribedToTopic(topic: string): boolean;
  /** Null: no offset of this group expires now. */
  offsetExpirationCondition(): OffsetExpirationCondition | null;
  /** Appends the tombstones that delete this group's own records (not its offsets). */
  createGroupTombstoneRecords(records: CoordinatorRecord[]): void;
}
