// InitProducerId, v0-5 (KIP-98). Without a transactional id: a fresh producer
// id with epoch 0 for an idempotent producer. With one: the transaction
// coordinator hands out the id's producer id with the next epoch, fencing
// older producers (and aborting a transaction they left open: the client is
// told CONCURRENT_TRANSACTIONS and retries). v3+ carry the producer's current
// id and epoch (KIP-360).

import { ApiKey, ErrorCode, type InitProducerIdRequest, type InitProducerIdResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize, authorizeAnyOfType, clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponseInput>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    // Kafka: WRITE on the transactional id; without one, IDEMPOTENT_WRITE on the cluster or WRITE on
    // some topic (KIP-679, authorizeByResourceType).
    const refused = req.transactionalId !== null
      ? (authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId) ? ErrorCode.NONE : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
      : (clusterAuthorized(ctx, AclOperation.IDEMPOTENT_WRITE) || authorizeAnyOfType(ctx, AclOperation.WRITE, ResourceType.TOPIC) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (refused !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: refused, producerId: -1, producerEpoch: -1 };
    if (req.transactionalId === null) {
      const producerId = ctx.broker.producerIds.next();
      // No durable block of ids (a full disk): retriable, as Kafka answers while its ProducerIdManager has no block.
      if (producerId === null) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1, producerEpoch: -1 };
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    }
    const r = await ctx.broker.transactionCoordinator.initProducerId(req.transactionalId, req.transactionTimeoutMs, {
      producerId: req.producerId, producerEpoch: req.producerEpoch,
    });
    return { throttleTimeMs: 0, errorCode: fencedErrorFor(r.errorCode, ctx.header.apiVersion, 4), producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
});
