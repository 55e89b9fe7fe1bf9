// InitProducerId, v0-5 (KIP-98). Without a transactional id: a fresh producer
// id with epoch 0 for an idempotent producer. With one: the transaction
// coordinator hands out the id's producer id with the next epoch, fencing
// older producers (and aborting a transaction they left open: the client is
// told CONCURRENT_TRANSACTIONS and retries). v3+ carry the producer's current
// id and epoch (KIP-360).

import { ApiKey, ErrorCode, type InitProducerIdRequest, type InitProducerIdResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponseInput>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (req.transactionalId === null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ctx.broker.producerIds.next(), producerEpoch: 0 };
    }
    const r = await ctx.broker.transactionCoordinator.initProducerId(req.transactionalId, req.transactionTimeoutMs, {
      producerId: req.producerId, producerEpoch: req.producerEpoch,
    });
    return { throttleTimeMs: 0, errorCode: fencedErrorFor(r.errorCode, ctx.header.apiVersion, 4), producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
});
