// DescribeProducers, v0 (KIP-664): the producers each partition remembers
// (idempotent and transactional), with the start offset of an open transaction.

import { ApiKey, ErrorCode, type DescribeProducersRequest, type DescribeProducersResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponseInput>({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const store = ctx.broker.store;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
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
