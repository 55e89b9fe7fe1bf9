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

function partitionError(index: number, errorCode: ErrorCode, errorMessage: string | null = null): ProduceResponsePartitionProduceResponseInput {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage };
}

/** Resolves to REQUEST_TIMED_OUT if the flush does not complete in time. */
async function awaitDurable(broker: Broker, topic: string, partition: number, offset: number, timeoutMs: number): Promise<ErrorCode> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ErrorCode>((resolve) => {
    timer = setTimeout(() => resolve(ErrorCode.REQUEST_TIMED_OUT), Math.max(timeoutMs, 0));
  });
  try {
    return await Promise.race([broker.store.waitDurable({ topic, partition }, offset).then(() => ErrorCode.NONE), timeout]);
  } catch {
    return ErrorCode.KAFKA_STORAGE_ERROR;
  } finally {
    clearTimeout(timer);
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
    const waits: Promise<void>[] = [];

    for (const topicData of req.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponseInput[] = [];
      responses.push({ name: topicData.name, partitionResponses });
      const topic = broker.store.getTopic(topicData.name);
      for (const p of topicData.partitionData) {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          partitionResponses.push(partitionError(p.index, ErrorCode.INVALID_REQUIRED_ACKS));
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
        const appended = broker.store.append({ topic: topic.name, partition: p.index }, p.records, now);
        if (appended.errorCode !== ErrorCode.NONE) {
          partitionResponses.push(partitionError(p.index, appended.errorCode, appended.errorMessage));
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
        if (acks === -1) {
          waits.push(awaitDurable(broker, topic.name, p.index, appended.lastOffset, req.timeoutMs).then((code) => {
            if (code !== ErrorCode.NONE) Object.assign(response, partitionError(p.index, code));
          }));
        }
      }
    }
    if (acks === 0) {
      // As Kafka does: with no response to carry the error, closing the connection is the signal.
      const failed = responses.some((t) => t.partitionResponses!.some((p) => p.errorCode !== ErrorCode.NONE));
      return failed ? CLOSE_CONNECTION : NO_RESPONSE;
    }
    if (waits.length > 0) await Promise.all(waits);
    return { responses, throttleTimeMs: 0 };
  },
});
