// DescribeTransactions, v0 (KIP-664): state, timeout, start time, producer and
// partitions of each transactional id; TRANSACTIONAL_ID_NOT_FOUND for unknown ones.

import { ApiKey, ErrorCode, type DescribeTransactionsRequest, type DescribeTransactionsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorizationEnabled, authorize, authorizedTopics } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponseInput>({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    // Kafka: DESCRIBE on each transactional id; the partitions of a described transaction are shown
    // only for topics the principal may describe.
    const refused = new Set(req.transactionalIds.filter((id) => !authorize(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)));
    const described = ctx.broker.transactionCoordinator.describeTransactions(req.transactionalIds.filter((id) => !refused.has(id)));
    let next = 0;
    const transactionStates = req.transactionalIds.map((transactionalId) => {
      if (refused.has(transactionalId)) {
        // Kafka sets only the id and the error; the rest keeps the schema's defaults.
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: 0, producerId: 0, producerEpoch: 0, topics: [] };
      }
      const d = described[next++]!;
      if (!authorizationEnabled(ctx)) return d;
      const visible = authorizedTopics(ctx, AclOperation.DESCRIBE, d.topics.map((t) => t.topic), { logIfDenied: false })!;
      return { ...d, topics: d.topics.filter((t) => visible.has(t.topic)) };
    });
    return { throttleTimeMs: 0, transactionStates };
  },
});
