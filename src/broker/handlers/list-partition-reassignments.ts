// ListPartitionReassignments, v0: a single broker never has a reassignment in
// progress, so the answer is always an empty list.

import {
  ApiKey, ErrorCode,
  type ListPartitionReassignmentsRequest, type ListPartitionReassignmentsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const listPartitionReassignmentsHandler = defineHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponseInput>({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(_req, ctx) {
    // Kafka: DESCRIBE on the cluster.
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, topics: [] };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
  },
});
