// A metadata record that could not be made durable (a full disk, an I/O
// error). The metadata log applies nothing in that case, so the request that
// wanted the change is answered with an error, as Kafka answers a write its
// log directory cannot take, and its connection stays open.

import { ErrorCode } from '../protocol/generated/errors.js';

export class MetadataWriteError extends Error {
  constructor(cause: unknown) {
    super(`Could not write the metadata log: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MetadataWriteError';
  }
}

/** What a request whose metadata write failed answers: KAFKA_STORAGE_ERROR (retriable) and why. */
export interface StorageFailure {
  errorCode: ErrorCode.KAFKA_STORAGE_ERROR;
  errorMessage: string;
}

/**
 * The answer to a failed metadata write. Anything but a MetadataWriteError is
 * a bug rather than a disk problem and is thrown on, so that it stays loud.
 */
export function metadataWriteFailure(err: unknown): StorageFailure {
  if (err instanceof MetadataWriteError) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: err.message };
  throw err;
}
