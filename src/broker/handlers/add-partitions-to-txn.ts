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
  const unknown = new Set<string>();
  for (const t of txn.topics) {
    const info = ctx.broker.store.getTopic(t.name);
    for (const p of t.partitions) if (info === undefined || p < 0 || p >= info.partitionCount) unknown.add(`${t.name}:${p}`);
  }
  if (unknown.size > 0) {
    return results(txn.topics, (t, p) => (unknown.has(`${t}:${p}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
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
    const resultsByTransaction = [];
    for (const t of req.transactions) {
      resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: await handleOne(t, ctx) });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] };
  },
});
