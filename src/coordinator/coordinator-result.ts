// What a coordinator operation produces: records to write to __consumer_offsets,
// the answer to give once they are written, and how the in-memory state
// follows. Classic group transitions change the state directly and write
// records to persist it (replay false); offset commits and deletions are
// applied from their records once the write succeeded (replay true), as
// Kafka's coordinator runtime does.

import { ErrorCode } from '../protocol/generated/index.js';
import type { CoordinatorRecord } from './records.js';

export interface CoordinatorResult<T> {
  records: CoordinatorRecord[];
  response: T;
  /** Called once the records are written and durable (null), or with the error when they could not be. */
  onAppended?: (error: ErrorCode | null) => void;
  replay: boolean;
}

export function result<T>(response: T, records: CoordinatorRecord[] = [], replay = true, onAppended?: (error: ErrorCode | null) => void): CoordinatorResult<T> {
  return onAppended === undefined ? { records, response, replay } : { records, response, replay, onAppended };
}

export const EMPTY_RESULT: CoordinatorResult<void> = Object.freeze({ records: [], response: undefined, replay: true }) as CoordinatorResult<void>;

/** Runs a scheduled operation (a timeout) and writes what it produced. */
export type ScheduleOp = (key: string, delayMs: number, op: () => CoordinatorResult<void>) => void;

/** Who is asking: the parts of the request context the group protocol records. */
export interface RequestInfo {
  clientId: string;
  /** As Kafka prints a client address: "/127.0.0.1". */
  clientHost: string;
  apiVersion: number;
}

/** Maps a failed write to __consumer_offsets to the error a group API reports (Kafka's mapping). */
export function appendErrorToResponseError(code: ErrorCode): ErrorCode {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}
