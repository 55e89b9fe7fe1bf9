// ListTransactions, v0-1 (KIP-664; v1 adds the duration filter, KIP-994).

import { ApiKey, type ListTransactionsRequest, type ListTransactionsResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponseInput>({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const r = ctx.broker.transactionCoordinator.listTransactions(req.stateFilters, req.producerIdFilters, req.durationFilter);
    return { throttleTimeMs: 0, errorCode: r.errorCode, unknownStateFilters: r.unknownStates, transactionStates: r.transactions };
  },
});
