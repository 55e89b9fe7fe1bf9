// The one error the client throws: a Kafka error code, whether retrying can
// help, and a message naming the API and the topic/partition or group it was about.

import { ErrorCode, errorMessage, errorName, isRetriable } from '../protocol/generated/index.js';

export class KafkaClientError extends Error {
  override name = 'KafkaClientError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retriable: boolean = isRetriable(code),
  ) {
    super(message);
  }
}

/**
 * An error from a response's error code. `what` names the operation and its
 * subject ("Produce to orders-3"); the broker's own message is kept when it sent one.
 */
export function responseError(code: number, what: string, brokerMessage?: string | null): KafkaClientError {
  const detail = brokerMessage !== undefined && brokerMessage !== null && brokerMessage !== '' ? brokerMessage : errorMessage(code);
  return new KafkaClientError(code as ErrorCode, `${what} failed with ${errorName(code)}: ${detail}`);
}

/** The connection went away with requests outstanding: retriable, as in Kafka's NetworkException. */
export function connectionLost(what: string): KafkaClientError {
  return new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, what, true);
}

/** The client (or a producer, or a connection) was closed: nothing may be sent any more, and retrying will not help. */
export function clientClosed(what: string, thing = 'client'): KafkaClientError {
  return new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `${what}: the ${thing} is closed`, false);
}

/** A caller's mistake caught before anything was sent. */
export function invalidArgument(code: ErrorCode, message: string): KafkaClientError {
  return new KafkaClientError(code, message, false);
}
