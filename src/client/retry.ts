// Retrying retriable errors with backoff until a deadline: the client's one
// retry loop (metadata is refreshed between attempts by the caller's hook).

import { ErrorCode } from '../protocol/generated/index.js';
import { KafkaClientError } from './errors.js';

export interface RetryOptions {
  /** Date.now() after which the last error is thrown. */
  deadline: number;
  /** Called after a retriable error, before the next attempt (refresh metadata, forget a coordinator). */
  onRetry?: (err: KafkaClientError) => void | Promise<void>;
  /** Whether this retriable error is worth another attempt (default: all are). */
  shouldRetry?: (err: KafkaClientError) => boolean;
  /** Stops early (a closed client). */
  cancelled?: () => KafkaClientError | null;
}

const INITIAL_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;

export async function withRetries<T>(op: () => Promise<T>, opts: RetryOptions): Promise<T> {
  let backoff = INITIAL_BACKOFF_MS;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      const err = asClientError(e);
      if (!err.retriable || (opts.shouldRetry !== undefined && !opts.shouldRetry(err))) throw err;
      // Jitter keeps several clients that failed together from retrying together (as Kafka's retry.backoff does).
      const wait = Math.min(backoff * (0.8 + Math.random() * 0.4), Math.max(0, opts.deadline - Date.now()));
      if (wait <= 0 || Date.now() + wait >= opts.deadline) throw err;
      await sleep(wait);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      const cancelled = opts.cancelled?.();
      if (cancelled) throw cancelled;
      await opts.onRetry?.(err);
    }
  }
}

/** Anything thrown below the client's surface, as a KafkaClientError (a bug shows as UNKNOWN_SERVER_ERROR, not retried). */
export function asClientError(e: unknown): KafkaClientError {
  if (e instanceof KafkaClientError) return e;
  return new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, e instanceof Error ? e.message : String(e), false);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
