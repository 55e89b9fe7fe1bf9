// InitProducerId, v0-5, for idempotent producers (KIP-98): a fresh producer id
// with epoch 0, as Kafka hands out to producers without a transactional id.
// Transactional ids need the transaction coordinator, which is not built yet:
// such requests are refused rather than half-served.

import { ApiKey, ErrorCode, type InitProducerIdRequest, type InitProducerIdResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponseInput>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    if (req.transactionalId !== null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, producerId: -1, producerEpoch: -1 };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: ctx.broker.producerIds.next(), producerEpoch: 0 };
  },
});
