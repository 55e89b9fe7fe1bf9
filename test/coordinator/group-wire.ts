// Typed group-API calls over the shared wire client (its own typed table
// covers the core APIs only), plus the client-side steps of the classic
// protocol, for the integration tests in test/integration/groups*.test.ts.
import assert from 'node:assert/strict';
import {
  ApiKey, ConsumerProtocolAssignmentMessage, ErrorCode,
  type DeleteGroupsRequestInput, type DeleteGroupsResponse,
  type DescribeGroupsRequestInput, type DescribeGroupsResponse,
  type FindCoordinatorRequestInput, type FindCoordinatorResponse,
  type HeartbeatRequestInput, type HeartbeatResponse,
  type JoinGroupRequestInput, type JoinGroupResponse,
  type LeaveGroupRequestInput, type LeaveGroupResponse,
  type ListGroupsRequestInput, type ListGroupsResponse,
  type OffsetCommitRequestInput, type OffsetCommitResponse,
  type OffsetDeleteRequestInput, type OffsetDeleteResponse,
  type OffsetFetchRequestInput, type OffsetFetchResponse,
  type SyncGroupRequestInput, type SyncGroupResponse,
} from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/writer.js';
import type { WireClient } from '../helpers/wire-client.js';
import { subscription } from './helpers.js';

export interface GroupApiTypes {
  [ApiKey.FindCoordinator]: { request: FindCoordinatorRequestInput; response: FindCoordinatorResponse };
  [ApiKey.JoinGroup]: { request: JoinGroupRequestInput; response: JoinGroupResponse };
  [ApiKey.SyncGroup]: { request: SyncGroupRequestInput; response: SyncGroupResponse };
  [ApiKey.Heartbeat]: { request: HeartbeatRequestInput; response: HeartbeatResponse };
  [ApiKey.LeaveGroup]: { request: LeaveGroupRequestInput; response: LeaveGroupResponse };
  [ApiKey.OffsetCommit]: { request: OffsetCommitRequestInput; response: OffsetCommitResponse };
  [ApiKey.OffsetFetch]: { request: OffsetFetchRequestInput; response: OffsetFetchResponse };
  [ApiKey.ListGroups]: { request: ListGroupsRequestInput; response: ListGroupsResponse };
  [ApiKey.DescribeGroups]: { request: DescribeGroupsRequestInput; response: DescribeGroupsResponse };
  [ApiKey.DeleteGroups]: { request: DeleteGroupsRequestInput; response: DeleteGroupsResponse };
  [ApiKey.OffsetDelete]: { request: OffsetDeleteRequestInput; response: OffsetDeleteResponse };
}

export function call<K extends keyof GroupApiTypes>(c: WireClient, apiKey: K, version: number, body: GroupApiTypes[K]['request']): Promise<GroupApiTypes[K]['response']> {
  return c.request(apiKey as number, version, body) as Promise<GroupApiTypes[K]['response']>;
}

export function errorName(code: number): string {
  return ErrorCode[code] ?? String(code);
}

/** A ConsumerProtocolAssignment (with its version prefix). */
export function assignment(partitions: Record<string, number[]>): Buffer {
  const w = new Writer(64);
  w.int16(0);
  ConsumerProtocolAssignmentMessage.encode(w, 0, {
    assignedPartitions: Object.entries(partitions).map(([topic, ps]) => ({ topic, partitions: ps })),
    userData: null,
  });
  return w.toBuffer();
}

/** JoinGroup (v4+: twice, the KIP-394 dance) then SyncGroup; returns the member's view of the generation. */
export async function joinAndSync(c: WireClient, groupId: string, topics: string[], opts: { version?: number; sessionTimeoutMs?: number; groupInstanceId?: string | null } = {}) {
  const version = opts.version ?? 9;
  const join = (memberId: string) => call(c, ApiKey.JoinGroup, version, {
    groupId, sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000, rebalanceTimeoutMs: 10_000, memberId,
    groupInstanceId: opts.groupInstanceId ?? null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(topics) }],
  });
  let j = await join('');
  if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED) j = await join(j.memberId);
  assert.equal(errorName(j.errorCode), 'NONE', 'JoinGroup');
  const s = await call(c, ApiKey.SyncGroup, 5, {
    groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: opts.groupInstanceId ?? null,
    protocolType: 'consumer', protocolName: j.protocolName,
    assignments: j.leader === j.memberId ? [{ memberId: j.memberId, assignment: assignment(Object.fromEntries(topics.map((t) => [t, [0]]))) }] : [],
  });
  assert.equal(errorName(s.errorCode), 'NONE', 'SyncGroup');
  return { memberId: j.memberId, generationId: j.generationId, leader: j.leader, assignment: s.assignment };
}
