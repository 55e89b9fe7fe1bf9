// AlterPartitionReassignments, v0. The only possible replica set is this
// broker alone: asking for it is a no-op success; any other broker is
// INVALID_REPLICA_ASSIGNMENT (not registered), and cancelling (null replicas)
// is NO_REASSIGNMENT_IN_PROGRESS, as Kafka answers.

import {
  ApiKey, ErrorCode,
  type AlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsResponseInput,
  type AlterPartitionReassignmentsResponseReassignablePartitionResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const alterPartitionReassignmentsHandler = defineHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponseInput>({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { broker } = ctx;
    // Kafka: ALTER on the cluster; the refusal is repeated on every partition.
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null,
        responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) })),
      };
    }
    const responses = req.topics.map((t) => {
      const topic = broker.store.getTopic(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p): AlterPartitionReassignmentsResponseReassignablePartitionResponseInput => {
          const answer = (errorCode: ErrorCode, errorMessage: string | null) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage });
          if (topic === undefined) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${t.name}.`);
          if (p.partitionIndex < 0 || p.partitionIndex >= topic.partitionCount) {
            return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${t.name}:${p.partitionIndex}.`);
          }
          if (p.replicas === null) return answer(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, null);
          if (p.replicas.length === 0) return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
          const other = p.replicas.find((id) => id !== broker.nodeId);
          if (other !== undefined) {
            return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${other}, but no such broker is registered.`);
          }
          if (p.replicas.length > 1) {
            return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${broker.nodeId} more than once.`);
          }
          return answer(ErrorCode.NONE, null);
        }),
      };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
