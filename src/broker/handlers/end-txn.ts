// EndTxn, v0-4: commits or aborts the producer's transaction. Answered once
// PrepareCommit/PrepareAbort is durable; the markers follow. v5 (KIP-890 part
// 2, a new epoch per transaction) is for transaction version 2, which this
// broker does not offer.

import { ApiKey, ErrorCode, type EndTxnRequest, type EndTxnResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponseInput>({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    // Kafka: WRITE on the transactional id.
    if (!authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    const error = await ctx.broker.transactionCoordinator.endTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    return { throttleTimeMs: 0, errorCode: fencedErrorFor(error, ctx.header.apiVersion), producerId: -1, producerEpoch: -1 };
  },
});
