// ElectLeaders, v0-2. This broker is the only replica and already the leader
// of every partition: a named partition answers ELECTION_NOT_NEEDED, as a
// single-node Kafka does, and a request for all partitions (null) lists every
// topic with no partition results (Kafka leaves out partitions that needed no election).

import {
  ApiKey, ErrorCode,
  type ElectLeadersRequest, type ElectLeadersResponseInput, type ElectLeadersResponsePartitionResultInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

const PREFERRED = 0;
const UNCLEAN = 1;

export const electLeadersHandler = defineHandler<ElectLeadersRequest, ElectLeadersResponseInput>({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { store } = ctx.broker;
    const validType = req.electionType === PREFERRED || req.electionType === UNCLEAN;
    // Kafka: ALTER on the cluster; every named partition gets the refusal too.
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
          topic: t.topic, partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })),
        })),
      };
    }
    if (req.topicPartitions === null) {
      const all = store.listTopics().map((t) => ({ topic: t.name, partitionResult: [] }));
      return { throttleTimeMs: 0, errorCode: validType ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST, replicaElectionResults: all };
    }
    const replicaElectionResults = req.topicPartitions.map((t) => {
      const topic = store.getTopic(t.topic);
      return {
        topic: t.topic,
        partitionResult: t.partitions.map((p): ElectLeadersResponsePartitionResultInput => {
          if (!validType) return { partitionId: p, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown election type ${req.electionType}` };
          if (topic === undefined) return { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${t.topic}` };
          if (p < 0 || p >= topic.partitionCount) {
            return { partitionId: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${t.topic}-${p}` };
          }
          return { partitionId: p, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' };
        }),
      };
    });
    // An unknown election type fails the whole request too (top-level error, v1+), as in Kafka.
    return { throttleTimeMs: 0, errorCode: validType ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST, replicaElectionResults };
  },
});
