// Produce, v3-11 (v0 advertised, as Kafka 4 does). Kafka 4 dropped v0-2 (KIP-896) together with message
// formats v0/v1, so a request must carry record batches v2. Per partition: the
// store validates the batches (without decoding records), assigns offsets and
// appends; acks=-1 then waits for the flush policy, bounded by timeout_ms;
// acks=0 gets no response at all, unless a partition failed: then the
// connection is closed (the producer's only way to learn of it).

import {
  ApiKey, ErrorCode,
  type ProduceRequest, type ProduceResponseInput, type ProduceResponsePartitionProduceResponseInput, type ProduceResponseTopicProduceResponseInput,
} from '../../protocol/generated/index.js';
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { allowed, authorizationEnabled, authorize, authorizedTopics } from '../../security/request-authorization.js';
import { ATTRIBUTES_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, TRANSACTIONAL_FLAG_MASK, readInt64 } from '../../protocol/records/batch.js';

function partitionError(index: number, errorCode: ErrorCode, errorMessage: string | null = null): ProduceResponsePartitionProduceResponseInput {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage };
}

interface DurableWait {
  index: number;
  response: ProduceResponsePartitionProduceResponseInput;
  settled: boolean;
}

/**
 * The acks=-1 waits of one request, bounded by one timeout_ms timer for the
 * whole request. The timer is armed only if a flush is still pending once the
 * partitions that are already durable have reported: with flushing left to
 * the OS (Kafka's default) that is never, so the common case costs no timer.
 */
class DurableWaits {
  private readonly waits: DurableWait[] = [];
  private pending = 0;
  private onDone: (() => void) | null = null;

  add(broker: Broker, topic: string, index: number, lastOffset: number, response: ProduceResponsePartitionProduceResponseInput): void {
    const w: DurableWait = { index, response, settled: false };
    this.waits.push(w);
    this.pending++;
    broker.store.waitDurable({ topic, partition: index }, lastOffset).then(
      () => this.settle(w, ErrorCode.NONE),
      () => this.settle(w, ErrorCode.KAFKA_STORAGE_ERROR),
    );
  }

  private settle(w: DurableWait, code: ErrorCode): void {
    if (w.settled) return; // already answered REQUEST_TIMED_OUT
    w.settled = true;
    if (code !== ErrorCode.NONE) Object.assign(w.response, partitionError(w.index, code));
    if (--this.pending === 0) this.onDone?.();
  }

  async wait(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    // Waits that were already resolved report in the microtasks queued before this one.
    await null;
    if (this.pending === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const w of this.waits) {
          if (!w.settled) {
            w.settled = true;
            Object.assign(w.response, partitionError(w.index, ErrorCode.REQUEST_TIMED_OUT));
          }
        }
        this.pending = 0;
        resolve();
      }, Math.max(timeoutMs, 0));
      this.onDone = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponseInput>({
  apiKey: ApiKey.Produce,
  minVersion: 3,
  maxVersion: 11,
  // v0-2 requests close the connection, as in Kafka 4; see advertisedMinVersion.
  advertisedMinVersion: 0,
  async handle(req, ctx) {
    const { broker } = ctx;
    const acks = req.acks;
    const now = Date.now();
    const responses: ProduceResponseTopicProduceResponseInput[] = [];
    let durable: DurableWaits | null = null;
    // Kafka: transactional batches need WRITE on their transactional id, or the whole request fails;
    // then WRITE on each topic. Idempotent batches need nothing more since KIP-679 (Kafka 3.0): the
    // rights are checked once, by InitProducerId.
    let writable: Set<string> | null = null;
    if (authorizationEnabled(ctx)) {
      if (req.topicData.some((t) => t.partitionData.some((p) => p.records !== null && isTransactional(p.records)))
        && (req.transactionalId === null || !authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId))) {
        const failed = req.topicData.map((t) => ({
          name: t.name, partitionResponses: t.partitionData.map((p) => partitionError(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)),
        }));
        return acks === 0 ? CLOSE_CONNECTION : { responses: failed, throttleTimeMs: 0 };
      }
      writable = authorizedTopics(ctx, AclOperation.WRITE, req.topicData.map((t) => t.name));
    }

    for (const topicData of req.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponseInput[] = [];
      responses.push({ name: topicData.name, partitionResponses });
      const topic = broker.store.getTopic(topicData.name);
      const mayWrite = allowed(writable, topicData.name);
      for (const p of topicData.partitionData) {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          partitionResponses.push(partitionError(p.index, ErrorCode.INVALID_REQUIRED_ACKS));
          continue;
        }
        if (!mayWrite) {
          // Before the existence check: an unauthorized principal learns nothing about the topic.
          partitionResponses.push(partitionError(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        if (topic === undefined || p.index < 0 || p.index >= topic.partitionCount) {
          partitionResponses.push(partitionError(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        if (p.records === null || p.records.length === 0) {
          // Kafka's answer to a record set without exactly one batch.
          partitionResponses.push(partitionError(p.index, ErrorCode.INVALID_RECORD, 'Produce requests with version 3 and above must carry exactly one record batch per partition'));
          continue;
        }
        const unverified = verifyTransactionalBatch(broker, topic.name, p.index, p.records);
        if (unverified !== ErrorCode.NONE) {
          partitionResponses.push(partitionError(p.index, unverified));
          continue;
        }
        const appended = broker.store.append({ topic: topic.name, partition: p.index }, p.records, now);
        if (appended.errorCode !== ErrorCode.NONE) {
          const response = partitionError(p.index, appended.errorCode, appended.errorMessage);
          // v8+ (KIP-467): which records made the batch fail.
          response.recordErrors = (appended.recordErrors ?? []).map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message }));
          partitionResponses.push(response);
          continue;
        }
        const response: ProduceResponsePartitionProduceResponseInput = {
          index: p.index,
          errorCode: ErrorCode.NONE,
          baseOffset: appended.baseOffset,
          logAppendTimeMs: appended.logAppendTime,
          logStartOffset: appended.logStartOffset,
          errorMessage: null,
        };
        partitionResponses.push(response);
        if (acks === -1) (durable ??= new DurableWaits()).add(broker, topic.name, p.index, appended.lastOffset, response);
      }
    }
    if (acks === 0) {
      // As Kafka does: with no response to carry the error, closing the connection is the signal.
      const failed = responses.some((t) => t.partitionResponses!.some((p) => p.errorCode !== ErrorCode.NONE));
      return failed ? CLOSE_CONNECTION : NO_RESPONSE;
    }
    if (durable !== null) await durable.wait(req.timeoutMs);
    return { responses, throttleTimeMs: 0 };
  },
});

/**
 * KIP-890 part 1 (transaction.partition.verification.enable, on by default in
 * Kafka): a transactional batch is written only to a partition its producer
 * added to its ongoing transaction, so a late retry from an aborted or timed
 * out transaction cannot leave a transaction hanging open.
 */
function verifyTransactionalBatch(broker: Broker, topic: string, partition: number, records: Buffer): ErrorCode {
  if (!isTransactional(records)) return ErrorCode.NONE;
  return broker.transactionCoordinator.verifyProduce(readInt64(records, PRODUCER_ID_OFFSET), records.readInt16BE(PRODUCER_EPOCH_OFFSET), topic, partition);
}

function isTransactional(records: Buffer): boolean {
  return records.length >= RECORD_BATCH_OVERHEAD && (records.readInt16BE(ATTRIBUTES_OFFSET) & TRANSACTIONAL_FLAG_MASK) !== 0;
}
