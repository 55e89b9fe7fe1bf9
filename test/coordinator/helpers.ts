// Shared setup for the group coordinator's unit tests: a coordinator over the
// in-memory store with a fake clock, and short ways to join, sync, heartbeat
// and commit as a client would.
import assert from 'node:assert/strict';
import { ConsumerProtocolSubscriptionMessage, ErrorCode } from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/writer.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, GroupCoordinator, type GroupCoordinatorConfig } from '../../src/coordinator/group-coordinator.js';
import type { JoinRequest } from '../../src/coordinator/classic-group-manager.js';
import type { JoinGroupResult, SyncGroupResult } from '../../src/coordinator/classic-group.js';
import type { RequestInfo } from '../../src/coordinator/coordinator-result.js';
import { ManualClock } from '../../src/coordinator/timer.js';
import { FakeStore } from './fake-store.js';

export interface Harness {
  store: FakeStore;
  clock: ManualClock;
  coordinator: GroupCoordinator;
  config: GroupCoordinatorConfig;
}

export async function harness(config: Partial<GroupCoordinatorConfig> = {}, store = new FakeStore(), clock = new ManualClock()): Promise<Harness> {
  const full = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, offsetsTopicPartitions: 5, ...config };
  const coordinator = new GroupCoordinator(store, full, clock, clock);
  await coordinator.start();
  return { store, clock, coordinator, config: full };
}

/** Lets pending promise callbacks and setImmediate tasks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function info(apiVersion = 9, clientId = 'client'): RequestInfo {
  return { clientId, clientHost: '/127.0.0.1', apiVersion };
}

/** A ConsumerProtocolSubscription (with its version prefix) for the given topics. */
export function subscription(topics: string[], version = 1): Buffer {
  const w = new Writer(64);
  w.int16(version);
  ConsumerProtocolSubscriptionMessage.encode(w, version, { topics, userData: null, ownedPartitions: [] });
  return w.toBuffer();
}

export function joinRequest(fields: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, memberId: '', groupInstanceId: null,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(['t']) }], reason: null, ...fields,
  };
}

/** The v4+ dance: a first JoinGroup gets a member id, the second joins with it (and is returned pending). */
export async function joinWithId(h: Harness, fields: Partial<JoinRequest> = {}, apiVersion = 9): Promise<{ memberId: string; joined: Promise<JoinGroupResult> }> {
  const first = await h.coordinator.joinGroup(info(apiVersion), joinRequest(fields));
  assert.equal(ErrorCode[first.errorCode], 'MEMBER_ID_REQUIRED');
  assert.notEqual(first.memberId, '');
  const joined = h.coordinator.joinGroup(info(apiVersion), joinRequest({ ...fields, memberId: first.memberId }));
  await settle();
  return { memberId: first.memberId, joined };
}

export function sync(h: Harness, groupId: string, memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = [],
  extra: { groupInstanceId?: string | null; protocolType?: string | null; protocolName?: string | null } = {}): Promise<SyncGroupResult> {
  return h.coordinator.syncGroup({
    groupId, memberId, generationId, assignments,
    groupInstanceId: extra.groupInstanceId ?? null, protocolType: extra.protocolType ?? null, protocolName: extra.protocolName ?? null,
  });
}

export function heartbeat(h: Harness, groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null): Promise<ErrorCode> {
  return h.coordinator.heartbeat({ groupId, memberId, generationId, groupInstanceId });
}

export function errorName(code: number): string {
  return ErrorCode[code] ?? String(code);
}

/** Resolves true if the promise is still pending after the event loop settles. */
export async function isPending(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await settle();
  return !done;
}

/** Creates a topic in the store (OffsetCommit checks that topics exist in the handler, not here). */
export async function topic(h: Harness, name: string, partitions: number): Promise<void> {
  await h.store.createTopic({ name, partitions, configs: {}, validateOnly: false });
}

export function commit(h: Harness, groupId: string, offsets: Record<string, number[]>, fields: { generation?: number; memberId?: string; metadata?: string | null; groupInstanceId?: string | null } = {}, apiVersion = 9) {
  return h.coordinator.commitOffsets({
    groupId,
    generationIdOrMemberEpoch: fields.generation ?? -1,
    memberId: fields.memberId ?? '',
    groupInstanceId: fields.groupInstanceId ?? null,
    retentionTimeMs: -1,
    topics: Object.entries(offsets).map(([name, values]) => ({
      name,
      partitions: values.map((offset, partitionIndex) => ({
        partitionIndex, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: fields.metadata ?? null,
      })),
    })),
  }, apiVersion);
}
