// ListTransactions, v0-1 (KIP-664; v1 adds the duration filter, KIP-994).

import { ApiKey, type ListTransactionsRequest, type ListTransactionsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorizationEnabled, authorize } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponseInput>({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const r = ctx.broker.transactionCoordinator.listTransactions(req.stateFilters, req.producerIdFilters, req.durationFilter);
    // Kafka: only the transactions whose id the principal may describe (the others are not listed).
    const transactionStates = authorizationEnabled(ctx)
      ? r.transactions.filter((t) => authorize(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId, { logIfDenied: false }))
      : r.transactions;
    return { throttleTimeMs: 0, errorCode: r.errorCode, unknownStateFilters: r.unknownStates, transactionStates };
  },
});
