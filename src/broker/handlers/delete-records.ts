// DeleteRecords, v0-2: moves each partition's log start offset (-1 = the high
// watermark) and answers the new low watermark; OFFSET_OUT_OF_RANGE beyond
// the high watermark, -1 as the low watermark of a failed partition (Kafka's).
// As in Kafka, internal topics are INVALID_TOPIC_EXCEPTION and compacted-only
// topics POLICY_VIOLATION.

import {
  ApiKey, ErrorCode,
  type DeleteRecordsRequest, type DeleteRecordsResponseDeleteRecordsPartitionResultInput, type DeleteRecordsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizedTopics } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

const INVALID_LOW_WATERMARK = -1;

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponseInput>({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { store } = ctx.broker;
    // Kafka: DELETE on the topic, checked before it is looked up.
    const deletable = authorizedTopics(ctx, AclOperation.DELETE, req.topics.map((t) => t.name));
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): DeleteRecordsResponseDeleteRecordsPartitionResultInput => {
        if (!allowed(deletable, t.name)) return { partitionIndex: p.partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        if (store.getTopic(t.name)?.internal === true) {
          return { partitionIndex: p.partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
        }
        const r = store.deleteRecords({ topic: t.name, partition: p.partitionIndex }, p.offset);
        return r.errorCode === ErrorCode.NONE
          ? { partitionIndex: p.partitionIndex, lowWatermark: r.lowWatermark, errorCode: ErrorCode.NONE }
          : { partitionIndex: p.partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode: r.errorCode };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
