// The APIs this client speaks, each with the generated request/response codecs
// and the range of versions the client's code handles. A connection uses the
// highest version in this range that the broker also advertises.

import {
  ApiVersionsRequestMessage, ApiVersionsResponseMessage,
  CreateTopicsRequestMessage, CreateTopicsResponseMessage,
  DeleteTopicsRequestMessage, DeleteTopicsResponseMessage,
  DescribeConfigsRequestMessage, DescribeConfigsResponseMessage,
  FetchRequestMessage, FetchResponseMessage,
  FindCoordinatorRequestMessage, FindCoordinatorResponseMessage,
  HeartbeatRequestMessage, HeartbeatResponseMessage,
  InitProducerIdRequestMessage, InitProducerIdResponseMessage,
  JoinGroupRequestMessage, JoinGroupResponseMessage,
  LeaveGroupRequestMessage, LeaveGroupResponseMessage,
  ListOffsetsRequestMessage, ListOffsetsResponseMessage,
  MetadataRequestMessage, MetadataResponseMessage,
  OffsetCommitRequestMessage, OffsetCommitResponseMessage,
  OffsetFetchRequestMessage, OffsetFetchResponseMessage,
  ProduceRequestMessage, ProduceResponseMessage,
  SyncGroupRequestMessage, SyncGroupResponseMessage,
} from '../protocol/generated/index.js';
import type { MessageDescriptor } from '../protocol/message.js';

export interface ClientApi<ReqInput, Resp> {
  apiKey: number;
  name: string;
  request: MessageDescriptor<unknown, ReqInput>;
  response: MessageDescriptor<Resp, unknown>;
  /** Versions the client's code is written for. */
  minVersion: number;
  maxVersion: number;
}

function api<Req, ReqInput, Resp, RespInput>(
  request: MessageDescriptor<Req, ReqInput>, response: MessageDescriptor<Resp, RespInput>, minVersion: number,
): ClientApi<ReqInput, Resp> {
  // A version still being designed is generated but never sent.
  const maxVersion = request.latestVersionUnstable ? request.maxVersion - 1 : request.maxVersion;
  return {
    apiKey: request.apiKey,
    name: request.name.replace(/Request$/, ''),
    request: request as MessageDescriptor<unknown, ReqInput>,
    response: response as MessageDescriptor<Resp, unknown>,
    minVersion,
    maxVersion,
  };
}

// Minimums are where a field the client relies on appears (Produce v3: record
// batches v2; Fetch v4: isolation level and aborted transactions; ListOffsets
// v1: one timestamp per partition); maximums are the codec's newest version.
export const Apis = {
  ApiVersions: api(ApiVersionsRequestMessage, ApiVersionsResponseMessage, 0),
  Metadata: api(MetadataRequestMessage, MetadataResponseMessage, 1),
  Produce: api(ProduceRequestMessage, ProduceResponseMessage, 3),
  Fetch: api(FetchRequestMessage, FetchResponseMessage, 4),
  ListOffsets: api(ListOffsetsRequestMessage, ListOffsetsResponseMessage, 1),
  CreateTopics: api(CreateTopicsRequestMessage, CreateTopicsResponseMessage, 0),
  DeleteTopics: api(DeleteTopicsRequestMessage, DeleteTopicsResponseMessage, 0),
  DescribeConfigs: api(DescribeConfigsRequestMessage, DescribeConfigsResponseMessage, 0),
  InitProducerId: api(InitProducerIdRequestMessage, InitProducerIdResponseMessage, 0),
  FindCoordinator: api(FindCoordinatorRequestMessage, FindCoordinatorResponseMessage, 0),
  JoinGroup: api(JoinGroupRequestMessage, JoinGroupResponseMessage, 0),
  SyncGroup: api(SyncGroupRequestMessage, SyncGroupResponseMessage, 0),
  Heartbeat: api(HeartbeatRequestMessage, HeartbeatResponseMessage, 0),
  LeaveGroup: api(LeaveGroupRequestMessage, LeaveGroupResponseMessage, 0),
  // v2: the first with a retention time the broker may ignore; v0-1 store offsets elsewhere in old brokers.
  OffsetCommit: api(OffsetCommitRequestMessage, OffsetCommitResponseMessage, 2),
  OffsetFetch: api(OffsetFetchRequestMessage, OffsetFetchResponseMessage, 1),
} as const;
