// This broker leads every partition in one unchanging epoch. Requests that
// carry the leader epoch the client last saw are checked as Kafka checks them.

import { ErrorCode } from '../protocol/generated/index.js';

export const LEADER_EPOCH = 0;

/** -1 means the client does not know the epoch and skips the check. */
export function checkLeaderEpoch(requested: number): ErrorCode {
  if (requested < 0 || requested === LEADER_EPOCH) return ErrorCode.NONE;
  return requested < LEADER_EPOCH ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}
