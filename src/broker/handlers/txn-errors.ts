// Error codes the transactional APIs may answer per version: PRODUCER_FENCED
// exists from v2 of AddPartitionsToTxn, AddOffsetsToTxn and EndTxn (and in
// InitProducerId v4+); older clients are told INVALID_PRODUCER_EPOCH, as Kafka does.

import { ErrorCode } from '../../protocol/generated/index.js';

export function fencedErrorFor(code: ErrorCode, version: number, firstVersionWithFenced = 2): ErrorCode {
  return code === ErrorCode.PRODUCER_FENCED && version < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : code;
}
