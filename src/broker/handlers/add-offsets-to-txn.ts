// AddOffsetsToTxn, v0-4: adds the group's __consumer_offsets partition to the
// producer's transaction, so that its TxnOffsetCommit is settled by the markers.

import { ApiKey, ErrorCode, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { GROUP_METADATA_TOPIC } from '../../coordinator/records.js';
import { defineHandler } from '../api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

export const addOffsetsToTxnHandler = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput>({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    // Kafka: WRITE on the transactional id, then READ on the group.
    if (!authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const groups = ctx.broker.groupCoordinator;
    if (!(await groups.ensureTopic())) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const partition = groups.partitionFor(req.groupId);
    const error = await ctx.broker.transactionCoordinator.addPartitions(req.transactionalId, req.producerId, req.producerEpoch, [
      { topic: GROUP_METADATA_TOPIC, partitions: [partition] },
    ]);
    return { throttleTimeMs: 0, errorCode: fencedErrorFor(error, ctx.header.apiVersion) };
  },
});
