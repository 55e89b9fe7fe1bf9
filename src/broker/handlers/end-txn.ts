// EndTxn, v0-4: commits or aborts the producer's transaction. Answered once
// PrepareCommit/PrepareAbort is durable; the markers follow. v5 (KIP-890 part
// 2, a new epoch per transaction) is for transaction version 2, which this
// broker does not offer.

import { ApiKey, type EndTxnRequest, type EndTxnResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponseInput>({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const error = await ctx.broker.transactionCoordinator.endTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    return { throttleTimeMs: 0, errorCode: fencedErrorFor(error, ctx.header.apiVersion), producerId: -1, producerEpoch: -1 };
  },
});
