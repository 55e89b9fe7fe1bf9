// DescribeTransactions, v0 (KIP-664): state, timeout, start time, producer and
// partitions of each transactional id; TRANSACTIONAL_ID_NOT_FOUND for unknown ones.

import { ApiKey, type DescribeTransactionsRequest, type DescribeTransactionsResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponseInput>({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const described = ctx.broker.transactionCoordinator.describeTransactions(req.transactionalIds);
    return { throttleTimeMs: 0, transactionStates: described };
  },
});
