// Kafka's rules for topic names: 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..".

const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Null when the name is legal, else Kafka 4's explanation (the KRaft controller's wording). */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'Topic name is invalid: the empty string is not allowed';
  if (name === '.' || name === '..') return `Topic name is invalid: '${name}' is not allowed`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is invalid: the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name is invalid: '${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/**
 * Metric names replace '.' with '_', so Kafka refuses a topic whose name
 * differs from an existing one only there ("a.b" vs "a_b").
 */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

/** Kafka's internal topics (listed as internal in Metadata). */
export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
