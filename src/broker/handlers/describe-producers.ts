// DescribeProducers, v0 (KIP-664): the producers each partition remembers
// (idempotent and transactional), with the start offset of an open transaction.

import { ApiKey, ErrorCode, errorMessage, type DescribeProducersRequest, type DescribeProducersResponseInput } from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizedTopics } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponseInput>({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const store = ctx.broker.store;
    // Kafka: READ on the topic, checked before it is looked up.
    const readable = authorizedTopics(ctx, AclOperation.READ, req.topics.map((t) => t.name));
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          if (!allowed(readable, t.name)) return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED), activeProducers: [] };
          const r = store.activeProducers({ topic: t.name, partition: partitionIndex });
          if (r.errorCode !== ErrorCode.NONE) return { partitionIndex, errorCode: r.errorCode, errorMessage: r.errorMessage, activeProducers: [] };
          return {
            partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null,
            activeProducers: r.producers.map((p) => ({
              producerId: p.producerId, producerEpoch: p.producerEpoch, lastSequence: p.lastSequence, lastTimestamp: p.lastTimestamp,
              coordinatorEpoch: p.coordinatorEpoch, currentTxnStartOffset: p.currentTxnStartOffset,
            })),
          };
        }),
      })),
    };
  },
});
