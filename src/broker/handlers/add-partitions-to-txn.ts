// AddPartitionsToTxn, v0-5. v0-3 come from producers: add partitions to their
// transaction (starting it). v4+ are the brokers' batched form (KIP-890):
// several transactions per request, each either added or, with verify_only,
// checked for being in the ongoing transaction. Partitions of unknown topics
// are UNKNOWN_TOPIC_OR_PARTITION and then the others of that transaction are
// OPERATION_NOT_ATTEMPTED, as in Kafka.

import {
  ApiKey, ErrorCode,
  type AddPartitionsToTxnRequest, type AddPartitionsToTxnResponseInput, type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResultInput,
} from '../../protocol/generated/index.js';
import type { TopicPartitions } from '../../coordinator/transaction-coordinator.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize, authorizedTopics, clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler, type RequestContext } from '../api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

interface TxnInput {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: { name: string; partitions: number[] }[];
}

function results(topics: readonly { name: string; partitions: number[] }[], code: (topic: string, partition: number) => ErrorCode): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResultInput[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
}

async function handleOne(txn: TxnInput, ctx: RequestContext): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResultInput[]> {
  const coordinator = ctx.broker.transactionCoordinator;
  const version = ctx.header.apiVersion;
  // Kafka: WRITE on the transactional id, then WRITE on each topic (never granted for internal topics);
  // one refused or unknown partition fails them all, the others OPERATION_NOT_ATTEMPTED.
  if (!authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txn.transactionalId)) {
    return results(txn.topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const writable = authorizedTopics(ctx, AclOperation.WRITE, txn.topics.map((t) => t.name).filter((n) => ctx.broker.store.getTopic(n)?.internal !== true));
  const failed = new Map<string, ErrorCode>();
  for (const t of txn.topics) {
    const refused = writable !== null && !writable.has(t.name);
    const info = ctx.broker.store.getTopic(t.name);
    for (const p of t.partitions) {
      if (refused) failed.set(`${t.name}:${p}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (info === undefined || p < 0 || p >= info.partitionCount) failed.set(`${t.name}:${p}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }
  if (failed.size > 0) {
    return results(txn.topics, (t, p) => failed.get(`${t}:${p}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
  }
  const partitions: TopicPartitions[] = txn.topics.map((t) => ({ topic: t.name, partitions: t.partitions }));
  if (txn.verifyOnly) {
    const verified = coordinator.verifyPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
    return results(txn.topics, (t, p) => verified.get(t)?.get(p) ?? ErrorCode.INVALID_TXN_STATE);
  }
  const error = fencedErrorFor(await coordinator.addPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions), version);
  return results(txn.topics, () => error);
}

export const addPartitionsToTxnHandler = defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput>({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (ctx.header.apiVersion <= 3) {
      const resultsByTopicV3AndBelow = await handleOne({
        transactionalId: req.v3AndBelowTransactionalId,
        producerId: req.v3AndBelowProducerId,
        producerEpoch: req.v3AndBelowProducerEpoch,
        verifyOnly: false,
        topics: req.v3AndBelowTopics,
      }, ctx);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow };
    }
    // v4+ is the brokers' verification call (KIP-890): CLUSTER_ACTION on the cluster.
    if (!clusterAuthorized(ctx, AclOperation.CLUSTER_ACTION)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [], resultsByTopicV3AndBelow: [] };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) {
      resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: await handleOne(t, ctx) });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },
});
